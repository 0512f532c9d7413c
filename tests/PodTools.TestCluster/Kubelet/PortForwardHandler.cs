using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using PodTools.TestCluster.ControlPlane;
using PodTools.TestCluster.Kubelet.Spdy;
using PodTools.TestCluster.Semantics;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Kubelet;

/// <summary>
/// pods/{name}/portforward, in the three forms clients use:
/// - WebSocket with the v4 channel protocol (KubernetesClient, the kubelet's own WebSocket server): one TCP
///   connection per requested port and WebSocket connection, on channel 2n (data) and 2n+1 (errors); the first
///   message the server sends on each is the port as 2 bytes little-endian;
/// - SPDY/3.1 tunnelled through a WebSocket ("SPDY/3.1+portforward.k8s.io", kubectl 1.31+), and
/// - a plain SPDY/3.1 upgrade (kubectl's fallback): a data and an error stream per connection, paired by requestID.
/// A container port is answered by a simulated listener: an HTTP/1.1 server whose replies name the pod,
/// container and port. A port no running container declares refuses the connection, reported on the error
/// channel or stream with the runtime's message.
/// </summary>
internal sealed class PortForwardHandler
{
    /// <summary>kubectl 1.31+ tunnels SPDY through a WebSocket with this subprotocol.</summary>
    public const string SpdyTunnelProtocol = "SPDY/3.1+portforward.k8s.io";
    private const string SpdyProtocol = "portforward.k8s.io";

    private static readonly string[] Protocols = ["", ChannelWebSocket.V4Binary, ChannelWebSocket.V4Base64, SpdyTunnelProtocol];

    private readonly KubeletState _kubelet;
    private readonly ClusterStore _store;

    public PortForwardHandler(KubeletState kubelet, ClusterStore store)
    {
        _kubelet = kubelet;
        _store = store;
    }

    public async Task ServeAsync(HttpContext context, string ns, string podName, CancellationToken cancellationToken)
    {
        var pod = KubeletEndpoints.GetPod(_store, ns, podName);
        if (string.IsNullOrEmpty(pod.Str("spec", "nodeName"))) throw StatusException.BadRequest($"pod {podName} does not have a host assigned");
        if (!ChannelWebSocket.IsUpgradeRequest(context)) throw StatusException.BadRequest("Upgrade request required");

        if (ChannelWebSocket.IsWebSocketRequest(context))
        {
            var requested = ChannelWebSocket.RequestedProtocols(context);
            var protocol = ChannelWebSocket.Negotiate(requested, Protocols);
            if (protocol is null)
            {
                await KubeletEndpoints.WriteKubeletErrorAsync(context, 403,
                    $"requested protocol(s) are not supported: [{string.Join(' ', requested)}]; supports [{string.Join(' ', Protocols)}]").ConfigureAwait(false);
                return;
            }
            if (protocol == SpdyTunnelProtocol)
            {
                // kubectl 1.31+: SPDY tunnelled through the WebSocket; ports come as stream headers, not in the query.
                if (await RunningPodAsync(context, ns, podName).ConfigureAwait(false) is not { } tunnelled) return;
                using var socket = await ChannelWebSocket.AcceptWebSocketAsync(context, protocol).ConfigureAwait(false);
                await ServeSpdyAsync(new WebSocketByteStream(socket), tunnelled, cancellationToken).ConfigureAwait(false);
                return;
            }
            var (ports, problem) = ParsePorts(context.Request.Query["ports"]);
            if (problem is not null)
            {
                await KubeletEndpoints.WriteKubeletErrorAsync(context, 400, problem + "\n").ConfigureAwait(false);
                return;
            }
            if (await RunningPodAsync(context, ns, podName).ConfigureAwait(false) is not { } worker) return;
            await ServeChannelsAsync(context, protocol, worker, ports, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (context.Request.Headers.Upgrade.ToString().Contains("SPDY/3.1", StringComparison.OrdinalIgnoreCase))
        {
            // A plain SPDY/3.1 upgrade (kubectl's fallback, older clients), negotiated with X-Stream-Protocol-Version.
            var offered = context.Request.Headers["X-Stream-Protocol-Version"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries)).ToList();
            if (!offered.Contains(SpdyProtocol))
            {
                await KubeletEndpoints.WriteKubeletErrorAsync(context, 403,
                    $"unable to upgrade: unable to negotiate protocol: client supports [{string.Join(' ', offered)}], server supports [{SpdyProtocol}]").ConfigureAwait(false);
                return;
            }
            if (await RunningPodAsync(context, ns, podName).ConfigureAwait(false) is not { } worker) return;
            var upgrade = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpUpgradeFeature>();
            if (upgrade is null || !upgrade.IsUpgradableRequest) throw StatusException.BadRequest("Upgrade request required");
            context.Response.Headers.Connection = "Upgrade";
            context.Response.Headers.Upgrade = "SPDY/3.1";
            context.Response.Headers["X-Stream-Protocol-Version"] = SpdyProtocol;
            await using var stream = await upgrade.UpgradeAsync().ConfigureAwait(false);
            await ServeSpdyAsync(stream, worker, cancellationToken).ConfigureAwait(false);
            return;
        }

        await KubeletEndpoints.WriteKubeletErrorAsync(context, 400,
            $"unable to upgrade: unsupported upgrade protocol {context.Request.Headers.Upgrade}").ConfigureAwait(false);
    }

    // The kubelet's own lookup: a pod it runs, with its sandbox (and so its IP) ready.
    private async Task<PodWorker?> RunningPodAsync(HttpContext context, string ns, string podName)
    {
        var worker = _kubelet.FindPod(ns, podName);
        if (worker is not null && worker.PodIp is not null) return worker;
        await KubeletEndpoints.WriteKubeletErrorAsync(context, 500, $"pod not found (\"{podName}_{ns}\")").ConfigureAwait(false);
        return null;
    }

    private static string SandboxId(PodWorker worker) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(worker.Uid)));

    private static async Task ServeChannelsAsync(HttpContext context, string protocol, PodWorker worker, List<int> ports, CancellationToken cancellationToken)
    {
        await using var socket = await ChannelWebSocket.AcceptAsync(context, protocol).ConfigureAwait(false);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inbound = ports.Select(_ => Channel.CreateUnbounded<byte[]>()).ToArray();
        for (var i = 0; i < ports.Count; i++)
        {
            var portBytes = new byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(portBytes, (ushort)ports[i]);
            await socket.SendAsync((byte)(2 * i), portBytes, cancellationToken).ConfigureAwait(false);
            await socket.SendAsync((byte)(2 * i + 1), portBytes, cancellationToken).ConfigureAwait(false);
        }
        var receiving = ReceiveAsync(socket, inbound, done.Token);
        var sandboxId = SandboxId(worker);
        var forwards = ports.Select((port, i) => ForwardAsync(worker, sandboxId, port, inbound[i].Reader,
            bytes => socket.SendAsync((byte)(2 * i), bytes, done.Token),
            bytes => socket.SendAsync((byte)(2 * i + 1), bytes, done.Token), done.Token)).ToArray();
        try
        {
            // As the kubelet does: the WebSocket closes once every port's connection has ended.
            await Task.WhenAll(forwards).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await socket.CloseAsync().ConfigureAwait(false);
            await Task.WhenAny(receiving, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)).ConfigureAwait(false);
            await done.CancelAsync().ConfigureAwait(false);
        }
    }

    // kubelet's httpstream port-forward: the client opens an error stream and a data stream per connection,
    // paired by the requestID header; the port is a header of both.
    private static async Task ServeSpdyAsync(Stream transport, PodWorker worker, CancellationToken cancellationToken)
    {
        var session = new SpdySession(transport);
        var sandboxId = SandboxId(worker);
        var errorStreams = new ConcurrentDictionary<string, TaskCompletionSource<SpdyStream>>();
        TaskCompletionSource<SpdyStream> ErrorStream(string requestId) =>
            errorStreams.GetOrAdd(requestId, _ => new TaskCompletionSource<SpdyStream>(TaskCreationOptions.RunContinuationsAsynchronously));

        await session.RunAsync(async stream =>
        {
            var requestId = stream.Headers.GetValueOrDefault("requestid") ?? "";
            try
            {
                switch (stream.Headers.GetValueOrDefault("streamtype"))
                {
                    case "error":
                        ErrorStream(requestId).TrySetResult(stream);
                        return;
                    case "data":
                        // kubelet waits for the pair up to its stream creation timeout (30 s).
                        var error = await ErrorStream(requestId).Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
                        int.TryParse(stream.Headers.GetValueOrDefault("port"), NumberStyles.None, CultureInfo.InvariantCulture, out var port);
                        await ForwardAsync(worker, sandboxId, port, stream.Inbound,
                            bytes => stream.WriteAsync(bytes, cancellationToken),
                            bytes => error.WriteAsync(bytes, cancellationToken), cancellationToken).ConfigureAwait(false);
                        await error.CloseAsync(cancellationToken).ConfigureAwait(false);
                        await stream.CloseAsync(cancellationToken).ConfigureAwait(false);
                        errorStreams.TryRemove(requestId, out _);
                        return;
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or TimeoutException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
            {
                // The session ended while this connection was being served.
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    // kubelet's NewV4Options: repeated and comma-separated "ports", each 1..65535.
    private static (List<int> Ports, string? Problem) ParsePorts(Microsoft.Extensions.Primitives.StringValues values)
    {
        var ports = new List<int>();
        if (values.Count == 0) return (ports, "query parameter \"ports\" is required");
        foreach (var text in values)
        {
            if (string.IsNullOrEmpty(text)) return (ports, "query parameter \"ports\" cannot be empty");
            foreach (var part in text.Split(','))
            {
                if (!ushort.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
                    return (ports, $"unable to parse \"{text}\" as a port: strconv.ParseUint: parsing {FieldErrors.GoQuote(part)}: invalid syntax");
                if (port < 1) return (ports, $"port \"{text}\" must be > 0");
                ports.Add(port);
            }
        }
        return (ports, null);
    }

    // Client data for port n arrives on channel 2n; other channels carry nothing from the client.
    private static async Task ReceiveAsync(ChannelWebSocket socket, Channel<byte[]>[] inbound, CancellationToken cancellationToken)
    {
        try
        {
            while (await socket.ReceiveAsync(cancellationToken).ConfigureAwait(false) is { } message)
            {
                if (message.Channel % 2 != 0 || message.Channel / 2 >= inbound.Length || message.Data.Length == 0) continue;
                await inbound[message.Channel / 2].Writer.WriteAsync(message.Data, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            foreach (var channel in inbound) channel.Writer.TryComplete();
        }
    }

    // One forwarded connection: the simulated listener of the container that declares the port, or the
    // runtime's "connection refused" on the error stream when none does.
    private static async Task ForwardAsync(PodWorker worker, string sandboxId, int port, ChannelReader<byte[]> input,
        Func<byte[], Task> sendData, Func<byte[], Task> sendError, CancellationToken cancellationToken)
    {
        var listener = worker.Containers.Concat(worker.InitContainers)
            .FirstOrDefault(c => c.IsRunning && c.Ports.Any(p => p.ContainerPort == port && p.Protocol == "TCP"));
        if (listener is null)
        {
            var error = $"error forwarding port {port} to pod {sandboxId}, uid : failed to execute portforward in network namespace \"/var/run/netns/cni-{worker.Uid}\": " +
                $"failed to connect to localhost:{port} inside namespace \"{sandboxId}\", IPv4: dial tcp4 127.0.0.1:{port}: connect: connection refused " +
                $"IPv6 dial tcp6 [::1]:{port}: connect: connection refused ";
            await sendError(Encoding.UTF8.GetBytes(error)).ConfigureAwait(false);
            return;
        }
        await new SimulatedHttpListener(worker, listener, port).ServeConnectionAsync(input, sendData, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// What answers on a container port: one HTTP/1.1 connection, keep-alive, each request answered with a text
/// body naming pod, container and port. The connection ends when the client ends it, after a request with
/// "Connection: close", on a request it cannot parse (400), or when the container stops.
/// </summary>
internal sealed class SimulatedHttpListener(PodWorker pod, ContainerRuntime container, int port)
{
    private const int MaxHeaderBytes = 64 * 1024;

    public async Task ServeConnectionAsync(ChannelReader<byte[]> input, Func<byte[], Task> send, CancellationToken cancellationToken)
    {
        var buffer = new List<byte>();
        try
        {
            while (container.IsRunning)
            {
                var headerEnd = IndexOf(buffer, "\r\n\r\n"u8);
                if (headerEnd < 0)
                {
                    if (buffer.Count > MaxHeaderBytes || !await ReadMoreAsync(input, buffer, cancellationToken).ConfigureAwait(false))
                        return;
                    continue;
                }
                var head = Encoding.ASCII.GetString(buffer.GetRange(0, headerEnd).ToArray()).Split("\r\n");
                buffer.RemoveRange(0, headerEnd + 4);
                var requestLine = head[0].Split(' ');
                if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
                {
                    await send(Response(400, "Bad Request", "malformed request line\n", close: true)).ConfigureAwait(false);
                    return;
                }
                var headers = head.Skip(1).Select(h => h.Split(':', 2)).Where(h => h.Length == 2)
                    .GroupBy(h => h[0].Trim(), StringComparer.OrdinalIgnoreCase)
                    .ToDictionary(g => g.Key, g => g.Last()[1].Trim(), StringComparer.OrdinalIgnoreCase);
                var length = headers.TryGetValue("Content-Length", out var lengthText) && int.TryParse(lengthText, out var n) ? n : 0;
                while (buffer.Count < length)
                    if (!await ReadMoreAsync(input, buffer, cancellationToken).ConfigureAwait(false)) return;
                buffer.RemoveRange(0, length);

                var close = requestLine[2] == "HTTP/1.0" || (headers.TryGetValue("Connection", out var connection) && connection.Equals("close", StringComparison.OrdinalIgnoreCase));
                var body = $"pod={pod.Name} namespace={pod.Namespace} container={container.Name} port={port} method={requestLine[0]} path={requestLine[1]}\n";
                await send(Response(200, "OK", body, close)).ConfigureAwait(false);
                if (close) return;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private byte[] Response(int status, string reason, string body, bool close)
    {
        var bodyBytes = Encoding.UTF8.GetBytes(body);
        var head = $"HTTP/1.1 {status} {reason}\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            $"Content-Length: {bodyBytes.Length}\r\n" +
            $"X-Pod: {pod.Name}\r\nX-Container: {container.Name}\r\nX-Port: {port}\r\n" +
            (close ? "Connection: close\r\n" : "") +
            "\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. bodyBytes];
    }

    private static async Task<bool> ReadMoreAsync(ChannelReader<byte[]> input, List<byte> buffer, CancellationToken cancellationToken)
    {
        if (!await input.WaitToReadAsync(cancellationToken).ConfigureAwait(false)) return false;
        while (input.TryRead(out var chunk)) buffer.AddRange(chunk);
        return true;
    }

    private static int IndexOf(List<byte> buffer, ReadOnlySpan<byte> pattern)
    {
        for (var i = 0; i + pattern.Length <= buffer.Count; i++)
        {
            var match = true;
            for (var j = 0; j < pattern.Length && match; j++) match = buffer[i + j] == pattern[j];
            if (match) return i;
        }
        return -1;
    }
}
