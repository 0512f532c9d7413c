using System.ComponentModel;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PodTools.TestCluster.Api;
using PodTools.TestCluster.ControlPlane;
using PodTools.TestCluster.Semantics;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Kubelet;

/// <summary>What an exec session needs of its connection: channel messages both ways and a close.</summary>
internal interface IExecConnection
{
    Task SendAsync(byte channel, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>The client's next message: (0, stdin data), (4, resize JSON) or (255, [0]) for the end of stdin; null once the client is gone.</summary>
    Task<(byte Channel, byte[] Data)?> ReceiveAsync(CancellationToken cancellationToken);

    Task CloseAsync();
}

/// <summary>
/// pods/{name}/exec over WebSocket (remote command protocols v4 and v5): the command runs as a local process
/// in the container's working directory with its environment. Channels: 0 stdin, 1 stdout, 2 stderr, 3 the
/// final Status (JSON), 4 terminal resize ({"Width":..,"Height":..}); v5 adds 255, close of a stream (stdin).
/// Over SPDY/3.1 (kubectl's fallback) each channel is a stream of its own; stdin closes with the stream's FIN.
/// </summary>
internal sealed class ExecHandler
{
    private const byte StdinChannel = 0;
    private const byte StdoutChannel = 1;
    private const byte StderrChannel = 2;
    private const byte ErrorChannel = 3;
    private const byte ResizeChannel = 4;
    private const byte CloseChannel = 255;

    private static readonly string[] Protocols = [ChannelWebSocket.V5Binary, ChannelWebSocket.V4Binary, ChannelWebSocket.V4Base64];

    private readonly KubeletState _kubelet;
    private readonly ClusterStore _store;

    public ExecHandler(KubeletState kubelet, ClusterStore store)
    {
        _kubelet = kubelet;
        _store = store;
    }

    public async Task ServeAsync(HttpContext context, string ns, string podName, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        var command = query["command"].Where(c => c is not null).Select(c => c!).ToList();
        var tty = KubeletEndpoints.Flag(context, "tty");
        var stdin = KubeletEndpoints.Flag(context, "stdin");
        var stdout = KubeletEndpoints.Flag(context, "stdout");
        // The kubelet drops stderr under a TTY: the terminal carries both streams.
        var stderr = KubeletEndpoints.Flag(context, "stderr") && !tty;

        // API server: the pod, the container, a node to proxy to, and an upgrade request.
        var pod = KubeletEndpoints.GetPod(_store, ns, podName);
        var containerName = KubeletEndpoints.ResolveContainer(pod, query["container"].ToString());
        if (string.IsNullOrEmpty(pod.Str("spec", "nodeName"))) throw StatusException.BadRequest($"pod {podName} does not have a host assigned");
        if (!ChannelWebSocket.IsUpgradeRequest(context)) throw StatusException.BadRequest("Upgrade request required");

        // Kubelet: its options check, then the running container.
        if (!stdin && !stdout && !stderr)
        {
            await KubeletEndpoints.WriteKubeletErrorAsync(context, 400, "you must specify at least 1 of stdin, stdout, stderr").ConfigureAwait(false);
            return;
        }
        var worker = _kubelet.FindPod(ns, podName);
        var runtime = worker is null ? null : KubeletEndpoints.FindRuntime(worker, containerName);
        if (runtime is null || !runtime.IsRunning)
        {
            await KubeletEndpoints.WriteKubeletErrorAsync(context, 500, $"container not found (\"{containerName}\")").ConfigureAwait(false);
            return;
        }
        if (!ChannelWebSocket.IsWebSocketRequest(context))
        {
            // kubectl's fallback when WebSockets fail, and older clients.
            await ServeSpdyAsync(context, runtime, command, tty, stdin, stdout, stderr, cancellationToken).ConfigureAwait(false);
            return;
        }
        var requested = ChannelWebSocket.RequestedProtocols(context);
        var protocol = ChannelWebSocket.Negotiate(requested, Protocols);
        if (protocol is null || protocol.Length == 0)
        {
            await KubeletEndpoints.WriteKubeletErrorAsync(context, 403,
                $"requested protocol(s) are not supported: [{string.Join(' ', requested)}]; supports [{string.Join(' ', Protocols)}]").ConfigureAwait(false);
            return;
        }

        await using var socket = await ChannelWebSocket.AcceptAsync(context, protocol).ConfigureAwait(false);
        // The empty message on the lowest writable channel tells the client the streams are ready.
        await socket.SendAsync(stdout ? StdoutChannel : stderr ? StderrChannel : ErrorChannel, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        var session = new Session(socket, runtime, command, tty, stdin, stdout, stderr, canCloseStdin: protocol == ChannelWebSocket.V5Binary);
        await session.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    // The SPDY/3.1 form (remote command protocol v4/v5 negotiated with X-Stream-Protocol-Version): the client
    // opens one stream per channel, named by its streamType header; the kubelet waits for all it expects.
    private static async Task ServeSpdyAsync(HttpContext context, ContainerRuntime runtime, List<string> command, bool tty, bool stdin, bool stdout, bool stderr, CancellationToken cancellationToken)
    {
        if (!context.Request.Headers.Upgrade.ToString().Contains("SPDY/3.1", StringComparison.OrdinalIgnoreCase))
        {
            await KubeletEndpoints.WriteKubeletErrorAsync(context, 400, $"unable to upgrade: unsupported upgrade protocol {context.Request.Headers.Upgrade}").ConfigureAwait(false);
            return;
        }
        string[] supported = [ChannelWebSocket.V5Binary, ChannelWebSocket.V4Binary];
        var offered = context.Request.Headers["X-Stream-Protocol-Version"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries)).ToList();
        var protocol = offered.FirstOrDefault(supported.Contains);
        if (protocol is null)
        {
            await KubeletEndpoints.WriteKubeletErrorAsync(context, 403,
                $"unable to upgrade: unable to negotiate protocol: client supports [{string.Join(' ', offered)}], server supports [{string.Join(' ', supported)}]").ConfigureAwait(false);
            return;
        }
        var upgrade = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpUpgradeFeature>();
        if (upgrade is null || !upgrade.IsUpgradableRequest) throw StatusException.BadRequest("Upgrade request required");
        context.Response.Headers.Connection = "Upgrade";
        context.Response.Headers.Upgrade = "SPDY/3.1";
        context.Response.Headers["X-Stream-Protocol-Version"] = protocol;
        await using var transport = await upgrade.UpgradeAsync().ConfigureAwait(false);

        var expected = new List<string> { "error" };
        if (stdin) expected.Add("stdin");
        if (stdout) expected.Add("stdout");
        if (stderr) expected.Add("stderr");
        if (tty) expected.Add("resize");
        var connection = new Spdy.SpdyExecConnection(transport, expected);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = connection.RunAsync(done.Token);
        try
        {
            // kubelet's stream creation timeout.
            if (!await connection.WaitForStreamsAsync(TimeSpan.FromSeconds(30), done.Token).ConfigureAwait(false)) return;
            await new Session(connection, runtime, command, tty, stdin, stdout, stderr, canCloseStdin: true).RunAsync(done.Token).ConfigureAwait(false);
        }
        finally
        {
            await done.CancelAsync().ConfigureAwait(false);
            await running.ConfigureAwait(false);
        }
    }

    private sealed class Session(IExecConnection socket, ContainerRuntime container, List<string> command, bool tty, bool stdin, bool stdout, bool stderr, bool canCloseStdin)
    {
        private readonly TaskCompletionSource<(int Width, int Height)> _firstSize = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private ExecProcess? _process;
        private (int Width, int Height)? _pendingSize;
        private readonly object _gate = new();

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var receiving = ReceiveAsync(done.Token);
            try
            {
                if (command.Count == 0)
                {
                    await WriteStatusAsync(InternalError(ExecFailure("exec: \"\": executable file not found in $PATH")), cancellationToken).ConfigureAwait(false);
                    return;
                }
                (int Width, int Height)? initialSize = null;
                if (tty)
                {
                    // Clients send the terminal size first thing; waiting a moment for it lets the command start at that size.
                    var first = await Task.WhenAny(_firstSize.Task, Task.Delay(300, cancellationToken)).ConfigureAwait(false);
                    if (first == _firstSize.Task) initialSize = await _firstSize.Task.ConfigureAwait(false);
                }
                ExecProcess process;
                try
                {
                    process = ExecProcess.Start(command, container.WorkingDirectory, container.Environment, tty, initialSize);
                }
                catch (Win32Exception e)
                {
                    await WriteStatusAsync(InternalError(ExecFailure(e.Message)), cancellationToken).ConfigureAwait(false);
                    return;
                }
                using (process)
                {
                    lock (_gate)
                    {
                        _process = process;
                        if (_pendingSize is { } size && size != initialSize) _ = Task.Run(() => process.Resize(size.Width, size.Height), CancellationToken.None);
                    }
                    if (!stdin) process.StandardInput.Close();
                    var output = PumpAsync(process.StandardOutput, StdoutChannel, stdout, done.Token);
                    var errors = process.StandardError is { } err ? PumpAsync(err, StderrChannel, stderr, done.Token) : Task.CompletedTask;
                    _ = WatchContainerAsync(process, done.Token);
                    int exitCode;
                    try
                    {
                        exitCode = await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        process.Kill();
                        return;
                    }
                    // Output still in the pipes goes out before the status; a background child holding them open is not waited for long.
                    await Task.WhenAny(Task.WhenAll(output, errors), Task.Delay(TimeSpan.FromSeconds(1), cancellationToken)).ConfigureAwait(false);
                    process.Kill();
                    await WriteStatusAsync(exitCode == 0 ? Success() : NonZeroExit(exitCode), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Client gone or cluster stopping: the process group is killed by Dispose.
            }
            finally
            {
                // Close first, then give the client a moment to answer the close before the receive loop is cancelled.
                await socket.CloseAsync().ConfigureAwait(false);
                await Task.WhenAny(receiving, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)).ConfigureAwait(false);
                await done.CancelAsync().ConfigureAwait(false);
                try
                {
                    await receiving.ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
                {
                    // The receive loop was cut short by the close.
                }
            }
        }

        // Client messages: stdin data, resize, and (v5) the close of stdin. The client closing the socket ends the exec.
        private async Task ReceiveAsync(CancellationToken cancellationToken)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var message = await socket.ReceiveAsync(cancellationToken).ConfigureAwait(false);
                if (message is not { } m)
                {
                    ExecProcess? gone;
                    lock (_gate) gone = _process;
                    gone?.Kill();
                    return;
                }
                switch (m.Channel)
                {
                    case StdinChannel when stdin:
                        var target = await ProcessAsync(cancellationToken).ConfigureAwait(false);
                        if (target is null) break;
                        try
                        {
                            await target.StandardInput.WriteAsync(m.Data, cancellationToken).ConfigureAwait(false);
                            await target.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
                        }
                        catch (IOException)
                        {
                            // The process closed its stdin or exited.
                        }
                        catch (ObjectDisposedException)
                        {
                        }
                        break;
                    case ResizeChannel when tty:
                        OnResize(m.Data);
                        break;
                    case CloseChannel when canCloseStdin && m.Data.Length > 0 && m.Data[0] == StdinChannel && stdin:
                        var closing = await ProcessAsync(cancellationToken).ConfigureAwait(false);
                        try
                        {
                            closing?.StandardInput.Close();
                        }
                        catch (IOException)
                        {
                        }
                        break;
                }
            }
        }

        private void OnResize(byte[] data)
        {
            // One size per message; over SPDY, JSON values separated by newlines.
            foreach (var line in Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                OnResize(line);
        }

        private void OnResize(string data)
        {
            int width, height;
            try
            {
                using var json = JsonDocument.Parse(data);
                width = json.RootElement.TryGetProperty("Width", out var w) ? w.GetInt32() : 0;
                height = json.RootElement.TryGetProperty("Height", out var h) ? h.GetInt32() : 0;
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
            {
                return; // kubelet logs and ignores a resize it cannot decode
            }
            _firstSize.TrySetResult((width, height));
            ExecProcess? process;
            lock (_gate)
            {
                _pendingSize = (width, height);
                process = _process;
            }
            process?.Resize(width, height);
        }

        // Stdin that arrives before the process exists waits for it (the process starts right after the upgrade).
        private async Task<ExecProcess?> ProcessAsync(CancellationToken cancellationToken)
        {
            for (var i = 0; i < 400 && !cancellationToken.IsCancellationRequested; i++)
            {
                lock (_gate)
                    if (_process is not null) return _process;
                await Task.Delay(5, cancellationToken).ConfigureAwait(false);
            }
            return null;
        }

        private async Task PumpAsync(Stream source, byte channel, bool forward, CancellationToken cancellationToken)
        {
            var buffer = new byte[32 * 1024];
            try
            {
                while (true)
                {
                    var read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                    if (read == 0) return;
                    if (forward) await socket.SendAsync(channel, buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or System.Net.WebSockets.WebSocketException)
            {
                // The process or the client went away.
            }
        }

        // An exec'd process lives inside its container: when the container stops, so does the exec.
        private async Task WatchContainerAsync(ExecProcess process, CancellationToken cancellationToken)
        {
            try
            {
                while (!process.HasExited)
                {
                    await Task.Delay(500, cancellationToken).ConfigureAwait(false);
                    if (!container.IsRunning) process.Kill();
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private Task WriteStatusAsync(JsonObject status, CancellationToken cancellationToken) =>
            socket.SendAsync(ErrorChannel, Encoding.UTF8.GetBytes(status.ToJsonString(JsonOutput.SerializerOptions)), cancellationToken);

        // containerd's message for a failed exec start, as the CRI streaming server wraps it.
        private static string ExecFailure(string runcError) =>
            $"failed to exec in container: failed to start exec \"{Hex.Random(32)}\": OCI runtime exec failed: exec failed: unable to start container process: {runcError}: unknown";

        // metav1.Status as encoding/json writes it on the error channel (no kind, no apiVersion, no code on success).
        private static JsonObject Success() => new() { ["metadata"] = new JsonObject(), ["status"] = "Success" };

        private JsonObject NonZeroExit(int exitCode) => new()
        {
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = $"command terminated with non-zero exit code: error executing command {ExecProcess.Describe(command)}, exit code {exitCode}",
            ["reason"] = "NonZeroExitCode",
            ["details"] = new JsonObject
            {
                ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ExitCode", ["message"] = exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
            },
        };

        private static JsonObject InternalError(string error)
        {
            var message = "error executing command in container: " + error;
            return new JsonObject
            {
                ["metadata"] = new JsonObject(),
                ["status"] = "Failure",
                ["message"] = "Internal error occurred: " + message,
                ["reason"] = "InternalError",
                ["details"] = new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["message"] = message }) },
                ["code"] = 500,
            };
        }
    }
}
