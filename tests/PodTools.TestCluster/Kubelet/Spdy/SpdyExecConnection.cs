using System.Threading.Channels;

namespace PodTools.TestCluster.Kubelet.Spdy;

/// <summary>
/// Exec over SPDY/3.1 as the kubelet serves it: the client opens a stream per channel (streamType error,
/// stdin, stdout, stderr, resize); what it sends on stdin and resize, and stdin's FIN, become channel messages;
/// what the session sends on channel 1, 2 or 3 goes to the stdout, stderr or error stream.
/// </summary>
internal sealed class SpdyExecConnection(Stream transport, IReadOnlyCollection<string> expectedStreams) : IExecConnection
{
    private readonly SpdySession _session = new(transport);
    private readonly Dictionary<string, SpdyStream> _streams = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _allStreams = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<(byte Channel, byte[] Data)> _incoming = Channel.CreateUnbounded<(byte, byte[])>();

    /// <summary>Runs the SPDY session until the client goes away.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _session.RunAsync(stream =>
            {
                var type = stream.Headers.GetValueOrDefault("streamtype") ?? "";
                lock (_streams)
                {
                    _streams[type] = stream;
                    if (expectedStreams.All(_streams.ContainsKey)) _allStreams.TrySetResult();
                }
                return type switch
                {
                    "stdin" => ForwardAsync(stream, 0, endOfStream: (255, [0]), cancellationToken),
                    "resize" => ForwardAsync(stream, 4, endOfStream: null, cancellationToken),
                    _ => Task.CompletedTask,
                };
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _incoming.Writer.TryComplete();
        }
    }

    /// <summary>True once every stream the options call for is open; false after the timeout (the kubelet then gives up).</summary>
    public async Task<bool> WaitForStreamsAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _allStreams.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private async Task ForwardAsync(SpdyStream stream, byte channel, (byte, byte[])? endOfStream, CancellationToken cancellationToken)
    {
        await foreach (var data in stream.Inbound.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            await _incoming.Writer.WriteAsync((channel, data), cancellationToken).ConfigureAwait(false);
        if (endOfStream is { } end && !stream.IsReset) await _incoming.Writer.WriteAsync(end, cancellationToken).ConfigureAwait(false);
    }

    public Task SendAsync(byte channel, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var type = channel switch { 1 => "stdout", 2 => "stderr", 3 => "error", _ => "" };
        SpdyStream? stream;
        lock (_streams) _streams.TryGetValue(type, out stream);
        // The WebSocket protocols' empty "ready" message has no SPDY equivalent.
        return stream is null || data.Length == 0 ? Task.CompletedTask : stream.WriteAsync(data.ToArray(), cancellationToken);
    }

    public async Task<(byte Channel, byte[] Data)?> ReceiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _incoming.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>Half-closes the server's streams, as the kubelet does when the command is done.</summary>
    public async Task CloseAsync()
    {
        List<SpdyStream> streams;
        lock (_streams) streams = [.. _streams.Values];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        foreach (var stream in streams)
        {
            try
            {
                await stream.CloseAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The client is gone.
            }
        }
    }
}
