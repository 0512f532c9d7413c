using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using PodTools.Engine.Errors;

namespace PodTools.Engine.Containers;

/// <summary>
/// A running exec: output chunks stream through <see cref="Output"/> as the server sends them, stdin and resize
/// are sent on demand, and <see cref="Completion"/> gives the exit status from the error channel.
/// </summary>
public sealed class ExecSession : IAsyncDisposable
{
    private readonly WebSocket _socket;
    private readonly ExecRequest _request;
    // One send at a time on a WebSocket: stdin, resize and close may come from different tasks.
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    // Bounded: a slow reader (the console, the pipeline) slows the socket down instead of buffering without limit.
    private readonly Channel<ExecOutput> _output = Channel.CreateBounded<ExecOutput>(new BoundedChannelOptions(64)
    {
        SingleReader = true,
        SingleWriter = true,
    });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<ExecExit> _completion;
    private bool _stdinClosed;

    private ExecSession(WebSocket socket, ExecRequest request)
    {
        _socket = socket;
        _request = request;
        _completion = Task.Run(ReceiveAsync);
    }

    /// <summary>The negotiated subprotocol (v5.channel.k8s.io or v4.channel.k8s.io).</summary>
    public string Protocol => _socket.SubProtocol ?? "";

    /// <summary>True when stdin can be closed on its own (v5), so a command reading stdin sees end of file.</summary>
    public bool CanCloseStdin => string.Equals(Protocol, ChannelProtocol.V5, StringComparison.Ordinal);

    public ExecRequest Request => _request;

    /// <summary>stdout/stderr chunks in arrival order; completes when the remote process has ended.</summary>
    public ChannelReader<ExecOutput> Output => _output.Reader;

    /// <summary>How the process ended; completes after the last output chunk was queued.</summary>
    public Task<ExecExit> Completion => _completion;

    /// <summary>Opens the session (the server refuses an unknown container, a pod not running, a forbidden user).</summary>
    public static async Task<ExecSession> StartAsync(Connection.KubeConnection connection, ExecRequest request,
        CancellationToken cancellationToken)
    {
        var socket = await StreamConnector.ConnectExecAsync(connection, request, cancellationToken).ConfigureAwait(false);
        var session = new ExecSession(socket, request);
        if (request.Tty && request.InitialSize is { } size)
        {
            await session.ResizeAsync(size, cancellationToken).ConfigureAwait(false);
        }

        return session;
    }

    public async Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (data.Length == 0)
        {
            return;
        }

        // Chunked so a large stdin does not become one huge WebSocket message.
        const int chunk = 32 * 1024;
        for (int offset = 0; offset < data.Length; offset += chunk)
        {
            await SendAsync(ChannelProtocol.StdIn, data.Slice(offset, Math.Min(chunk, data.Length - offset)), cancellationToken)
                .ConfigureAwait(false);
        }
    }

    /// <summary>Signals end of input (v5). Under v4 there is no such signal; returns false then.</summary>
    public async Task<bool> CloseStdinAsync(CancellationToken cancellationToken)
    {
        if (_stdinClosed)
        {
            return true;
        }

        if (!CanCloseStdin)
        {
            return false;
        }

        _stdinClosed = true;
        await SendAsync(ChannelProtocol.Close, new byte[] { ChannelProtocol.StdIn }, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public Task ResizeAsync(TerminalSize size, CancellationToken cancellationToken) =>
        SendAsync(ChannelProtocol.Resize, ChannelProtocol.ResizeMessage(size.Width, size.Height), cancellationToken);

    /// <summary>Ends the session at once (the remote process gets a hang-up when its connection drops).</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            // Closing is best effort; Abort below frees the connection either way.
        }

        _socket.Abort();
        try
        {
            await _completion.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The receive loop's failure was already reported through Completion.
        }

        _socket.Dispose();
        _stop.Dispose();
    }

    private async Task SendAsync(byte channel, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        byte[] frame = ArrayPool<byte>.Shared.Rent(payload.Length + 1);
        try
        {
            frame[0] = channel;
            payload.CopyTo(frame.AsMemory(1));
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _socket.SendAsync(frame.AsMemory(0, payload.Length + 1), WebSocketMessageType.Binary, endOfMessage: true,
                    cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception error) when (error is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The process ended (or the connection dropped) while input was still being sent: the exit status says what happened.
            throw new KubeEngineException("ExecStreamClosed", KubeErrorCategory.ConnectionError,
                $"The exec stream to pod '{_request.Pod}' closed: {error.Message}", _request.Pod, error);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    private async Task<ExecExit> ReceiveAsync()
    {
        var status = new StringBuilder();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var token = _stop.Token;
        try
        {
            try
            {
                await ChannelProtocol.ReadChannelsAsync(_socket, buffer, async (channel, data) =>
                {
                    switch (channel)
                    {
                        case ChannelProtocol.StdOut or ChannelProtocol.StdErr:
                            await _output.Writer.WriteAsync(new ExecOutput((ExecStream)channel, data.ToArray()), token).ConfigureAwait(false);
                            break;
                        case ChannelProtocol.Error:
                            status.Append(Encoding.UTF8.GetString(data.Span));
                            break;
                    }
                }, token).ConfigureAwait(false);
            }
            catch (Exception error) when (error is WebSocketException or ObjectDisposedException
                                          || (error is OperationCanceledException && !token.IsCancellationRequested))
            {
                // A connection that drops after the status arrived has said all it had to say.
                if (status.Length == 0)
                {
                    throw new KubeEngineException("ExecStreamClosed", KubeErrorCategory.ConnectionError,
                        $"The exec stream to pod '{_request.Pod}' broke before the command ended: {error.Message}", _request.Pod, error);
                }
            }

            return ChannelProtocol.ParseExit(status.ToString());
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return ChannelProtocol.ParseExit(status.ToString());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _output.Writer.TryComplete();
            if (_socket.State is WebSocketState.CloseReceived)
            {
                try
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // The peer is gone already.
                }
            }
        }
    }
}
