using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;
using PodTools.Engine.Pods;

namespace PodTools.Engine.Containers;

/// <summary>
/// Forwards local TCP ports to a pod: one listener per mapping, and every accepted connection over its own
/// port-forward WebSocket (channel 0 data, channel 1 errors; the server starts each channel with the port number).
/// </summary>
public sealed class PortForwardService(KubeConnection connection)
{
    /// <summary>
    /// Checks the pod (it must exist and be running), binds a loopback listener per mapping and starts forwarding.
    /// The returned sessions run until stopped (or until <paramref name="lifetime"/> is cancelled).
    /// </summary>
    public async Task<IReadOnlyList<KPortForward>> StartAsync(string @namespace, string pod, IReadOnlyList<PortMapping> mappings,
        CancellationToken cancellationToken, CancellationToken lifetime = default)
    {
        if (mappings.Count == 0)
        {
            throw new ArgumentException("At least one port mapping is required.", nameof(mappings));
        }

        var read = await new PodService(connection).GetAsync(@namespace, pod, cancellationToken).ConfigureAwait(false);
        string phase = read.Object.Status?.Phase ?? "Unknown";
        if (phase != "Running")
        {
            // kubectl's own check before it forwards.
            throw new KubeEngineException("PodNotRunning", KubeErrorCategory.InvalidOperation,
                $"unable to forward port because pod is not running. Current status={phase}", pod);
        }

        // One stream opened and closed up front, so a forbidden user or a refusing server fails here rather than
        // on the first local connection.
        var probe = await StreamConnector.ConnectPortForwardAsync(connection, @namespace, pod, mappings[0].RemotePort, cancellationToken)
            .ConfigureAwait(false);
        probe.Abort();
        probe.Dispose();

        var started = new List<KPortForward>();
        try
        {
            foreach (var mapping in mappings)
            {
                started.Add(Listen(@namespace, pod, mapping, lifetime));
            }
        }
        catch (SocketException error)
        {
            foreach (var session in started)
            {
                await session.StopAsync().ConfigureAwait(false);
            }

            throw new KubeEngineException("LocalPortUnavailable", KubeErrorCategory.ResourceBusy,
                $"Cannot listen on the local port: {error.Message}", pod, error);
        }

        return started;
    }

    private KPortForward Listen(string @namespace, string pod, PortMapping mapping, CancellationToken lifetime)
    {
        var listener = new TcpListener(IPAddress.Loopback, mapping.LocalPort);
        listener.Start();
        int localPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        var stop = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
        Task? acceptLoop = null;
        var session = new KPortForward(pod, @namespace, IPAddress.Loopback, localPort, mapping.RemotePort, async () =>
        {
            stop.Cancel();
            listener.Stop();
            if (acceptLoop is not null)
            {
                await acceptLoop.ConfigureAwait(false);
            }
        });
        // Without the caller's flow: the forward outlives the cmdlet whose output queue is the current engine host.
        using (ExecutionContext.SuppressFlow())
        {
            acceptLoop = Task.Run(() => AcceptAsync(listener, session, stop.Token));
        }

        EngineHostScope.Current.WriteVerbose($"Forwarding from 127.0.0.1:{localPort} -> {mapping.RemotePort} of pod '{pod}' in namespace '{@namespace}'.");
        return session;
    }

    private async Task AcceptAsync(TcpListener listener, KPortForward session, CancellationToken stop)
    {
        var connections = new List<Task>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await listener.AcceptSocketAsync(stop).ConfigureAwait(false);
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    break;
                }
                catch (SocketException error)
                {
                    session.Failed(error.Message);
                    break;
                }

                session.ConnectionOpened();
                connections.Add(Task.Run(() => ForwardAsync(client, session, stop)));
                connections.RemoveAll(t => t.IsCompleted);
            }
        }
        finally
        {
            listener.Stop();
            await Task.WhenAll(connections).ConfigureAwait(false);
            session.Ended();
        }
    }

    /// <summary>Carries one local connection over its own port-forward stream until either side closes.</summary>
    private async Task ForwardAsync(Socket client, KPortForward session, CancellationToken stop)
    {
        client.NoDelay = true;
        WebSocket? socket = null;
        using var done = CancellationTokenSource.CreateLinkedTokenSource(stop);
        try
        {
            socket = await StreamConnector.ConnectPortForwardAsync(connection, session.Namespace, session.Pod, session.RemotePort, done.Token)
                .ConfigureAwait(false);
            var sendLock = new SemaphoreSlim(1, 1);
            var upstream = LocalToRemoteAsync(client, socket, sendLock, done.Token);
            var downstream = RemoteToLocalAsync(socket, client, session, done.Token);
            // Whichever side finishes first: the remote closing ends the connection; local EOF closes the stream,
            // after which the server's close ends the downstream pump.
            var first = await Task.WhenAny(upstream, downstream).ConfigureAwait(false);
            if (first == downstream)
            {
                done.Cancel();
            }
            else
            {
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                using var _ = grace.Token.Register(() => done.Cancel());
                await downstream.ConfigureAwait(false);
            }

            await Task.WhenAll(upstream, downstream).ConfigureAwait(false);
        }
        catch (KubeEngineException error)
        {
            session.Failed(error.Message);
        }
        catch (Exception error) when (error is OperationCanceledException or WebSocketException or SocketException or IOException or ObjectDisposedException)
        {
            if (!stop.IsCancellationRequested && error is not OperationCanceledException)
            {
                session.Failed(error.Message);
            }
        }
        finally
        {
            socket?.Abort();
            socket?.Dispose();
            try
            {
                client.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                // Already closed by the peer.
            }

            client.Dispose();
            session.ConnectionClosed();
        }
    }

    private static async Task LocalToRemoteAsync(Socket client, WebSocket socket, SemaphoreSlim sendLock, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(32 * 1024 + 1);
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = await client.ReceiveAsync(buffer.AsMemory(1, 32 * 1024), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    read = 0;
                }

                await sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    if (read == 0)
                    {
                        // The channel protocol has no half-close: end the whole stream once the local side is done.
                        if (socket.State == WebSocketState.Open)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken).ConfigureAwait(false);
                        }

                        return;
                    }

                    buffer[0] = 0;
                    await socket.SendAsync(buffer.AsMemory(0, read + 1), WebSocketMessageType.Binary, true, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    sendLock.Release();
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task RemoteToLocalAsync(WebSocket socket, Socket client, KPortForward session, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        // Each channel's first two bytes are the port number (little endian), not data.
        var prefixLeft = new Dictionary<int, int> { [0] = 2, [1] = 2 };
        var errorText = new StringBuilder();
        try
        {
            await ChannelProtocol.ReadChannelsAsync(socket, buffer, async (channel, data) =>
            {
                if (prefixLeft.TryGetValue(channel, out int left) && left > 0)
                {
                    int skip = Math.Min(left, data.Length);
                    prefixLeft[channel] = left - skip;
                    data = data[skip..];
                }

                if (data.Length == 0)
                {
                    return;
                }

                if (channel == 0)
                {
                    await client.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }
                else if (channel == 1)
                {
                    errorText.Append(Encoding.UTF8.GetString(data.Span));
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (errorText.Length > 0)
            {
                session.Failed(errorText.ToString());
            }
        }
    }
}
