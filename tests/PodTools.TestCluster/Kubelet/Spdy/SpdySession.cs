using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;

namespace PodTools.TestCluster.Kubelet.Spdy;

/// <summary>
/// The server side of a SPDY/3.1 session, as far as Kubernetes' httpstream uses it (moby/spdystream): client
/// streams opened with SYN_STREAM and answered with SYN_REPLY, DATA frames with FIN for half-close,
/// RST_STREAM, PING echoed, GOAWAY. Flow control is not enforced (spdystream does not either). Outgoing
/// header blocks are stored (uncompressed) deflate blocks, valid for any zlib reader.
/// </summary>
internal sealed class SpdySession
{
    private const int Version = 3;
    private const byte FlagFin = 0x01;

    private readonly Stream _transport;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly HeaderInflater _inflater = new(SpdyDictionary.Bytes);
    private readonly ConcurrentDictionary<int, SpdyStream> _streams = new();
    private bool _compressorStarted;

    public SpdySession(Stream transport) => _transport = transport;

    /// <summary>Reads frames until the peer goes away; <paramref name="onStream"/> runs for each new stream (after its SYN_REPLY).</summary>
    public async Task RunAsync(Func<SpdyStream, Task> onStream, CancellationToken cancellationToken)
    {
        var header = new byte[8];
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await _transport.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
                var flags = header[4];
                var length = (header[5] << 16) | (header[6] << 8) | header[7];
                var payload = new byte[length];
                await _transport.ReadExactlyAsync(payload, cancellationToken).ConfigureAwait(false);
                if ((header[0] & 0x80) == 0)
                {
                    var streamId = BinaryPrimitives.ReadInt32BigEndian(header) & 0x7fffffff;
                    if (_streams.TryGetValue(streamId, out var target)) target.Receive(payload, (flags & FlagFin) != 0);
                    continue;
                }
                var type = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
                switch (type)
                {
                    case 1: // SYN_STREAM
                        var id = BinaryPrimitives.ReadInt32BigEndian(payload) & 0x7fffffff;
                        var headers = ParseHeaders(_inflater.Inflate(payload.AsSpan(10)));
                        var stream = new SpdyStream(this, id, headers);
                        _streams[id] = stream;
                        if ((flags & FlagFin) != 0) stream.Receive([], fin: true);
                        await SendControlAsync(2, 0, [.. BigEndian(id), .. CompressedEmptyHeaders()], cancellationToken).ConfigureAwait(false);
                        _ = Task.Run(() => onStream(stream), CancellationToken.None);
                        break;
                    case 3: // RST_STREAM
                        if (_streams.TryRemove(BinaryPrimitives.ReadInt32BigEndian(payload) & 0x7fffffff, out var reset)) reset.OnReset();
                        break;
                    case 6: // PING: echo
                        await SendControlAsync(6, 0, payload, cancellationToken).ConfigureAwait(false);
                        break;
                    case 7: // GOAWAY
                        return;
                    case 8: // HEADERS: decompressed to keep the zlib stream in step, otherwise unused
                        _inflater.Inflate(payload.AsSpan(4));
                        break;
                }
            }
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or OperationCanceledException or InvalidDataException or System.Net.WebSockets.WebSocketException)
        {
            // The peer closed the connection or sent something this server cannot read: the session ends.
        }
        finally
        {
            foreach (var stream in _streams.Values) stream.OnReset();
        }
    }

    internal Task SendDataAsync(int streamId, ReadOnlyMemory<byte> data, bool fin, CancellationToken cancellationToken)
    {
        var frame = new byte[8 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, streamId & 0x7fffffff);
        frame[4] = fin ? FlagFin : (byte)0;
        WriteLength(frame, data.Length);
        data.Span.CopyTo(frame.AsSpan(8));
        return WriteAsync(frame, cancellationToken);
    }

    internal Task SendResetAsync(int streamId, int status, CancellationToken cancellationToken) =>
        SendControlAsync(3, 0, [.. BigEndian(streamId), .. BigEndian(status)], cancellationToken);

    private Task SendControlAsync(ushort type, byte flags, byte[] payload, CancellationToken cancellationToken)
    {
        var frame = new byte[8 + payload.Length];
        frame[0] = 0x80;
        frame[1] = Version;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), type);
        frame[4] = flags;
        WriteLength(frame, payload.Length);
        payload.CopyTo(frame, 8);
        return WriteAsync(frame, cancellationToken);
    }

    private async Task WriteAsync(byte[] frame, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _transport.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            await _transport.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    // An empty header block (count 0) as a stored deflate block, then the empty stored block of a sync flush,
    // which is what makes Go's inflater hand the block over; the first one opens the zlib stream.
    private byte[] CompressedEmptyHeaders()
    {
        byte[] block = [0x00, 0x04, 0x00, 0xfb, 0xff, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0xff, 0xff];
        if (_compressorStarted) return block;
        _compressorStarted = true;
        return [0x78, 0x01, .. block];
    }

    private static Dictionary<string, string> ParseHeaders(byte[] block)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var span = block.AsSpan();
        var count = BinaryPrimitives.ReadInt32BigEndian(span);
        var offset = 4;
        for (var i = 0; i < count; i++)
        {
            var nameLength = BinaryPrimitives.ReadInt32BigEndian(span[offset..]);
            var name = Encoding.UTF8.GetString(span.Slice(offset + 4, nameLength));
            offset += 4 + nameLength;
            var valueLength = BinaryPrimitives.ReadInt32BigEndian(span[offset..]);
            headers[name] = Encoding.UTF8.GetString(span.Slice(offset + 4, valueLength)).Split('\0')[0];
            offset += 4 + valueLength;
        }
        return headers;
    }

    private static byte[] BigEndian(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static void WriteLength(byte[] frame, int length)
    {
        frame[5] = (byte)(length >> 16);
        frame[6] = (byte)(length >> 8);
        frame[7] = (byte)length;
    }
}

/// <summary>One client-opened stream: its headers, what the client sends (until FIN or reset), and writes back.</summary>
internal sealed class SpdyStream
{
    private readonly SpdySession _session;
    private readonly Channel<byte[]> _inbound = Channel.CreateUnbounded<byte[]>();
    private int _closed;

    public SpdyStream(SpdySession session, int id, IReadOnlyDictionary<string, string> headers)
    {
        _session = session;
        Id = id;
        Headers = headers;
    }

    public int Id { get; }
    public IReadOnlyDictionary<string, string> Headers { get; }
    public ChannelReader<byte[]> Inbound => _inbound.Reader;
    public bool IsReset { get; private set; }

    internal void Receive(byte[] data, bool fin)
    {
        if (data.Length > 0) _inbound.Writer.TryWrite(data);
        if (fin) _inbound.Writer.TryComplete();
    }

    internal void OnReset()
    {
        IsReset = true;
        _inbound.Writer.TryComplete();
    }

    public Task WriteAsync(byte[] data, CancellationToken cancellationToken) =>
        IsReset || _closed == 1 ? Task.CompletedTask : _session.SendDataAsync(Id, data, fin: false, cancellationToken);

    /// <summary>Half-closes the server's side (an empty DATA frame with FIN), once.</summary>
    public Task CloseAsync(CancellationToken cancellationToken) =>
        IsReset || Interlocked.Exchange(ref _closed, 1) == 1 ? Task.CompletedTask : _session.SendDataAsync(Id, ReadOnlyMemory<byte>.Empty, fin: true, cancellationToken);
}

/// <summary>SPDY/3's header compression dictionary (draft-mbelshe-httpbis-spdy-00, 2.6.10.1), built from its parts.</summary>
internal static class SpdyDictionary
{
    private static readonly string[] Words =
    [
        "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding", "accept-language",
        "accept-ranges", "age", "allow", "authorization", "cache-control", "connection", "content-base", "content-encoding",
        "content-language", "content-length", "content-location", "content-md5", "content-range", "content-type", "date", "etag",
        "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since",
        "last-modified", "location", "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization", "range", "referer",
        "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via", "warning",
        "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url", "public", "set-cookie", "keep-alive",
        "origin",
    ];

    private const string Tail =
        "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505" +
        "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden" +
        "404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable" +
        "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT" +
        "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript," +
        "publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";

    public static readonly byte[] Bytes = Build();

    private static byte[] Build()
    {
        var bytes = new List<byte>();
        foreach (var word in Words)
        {
            var length = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, word.Length);
            bytes.AddRange(length);
            bytes.AddRange(Encoding.ASCII.GetBytes(word));
        }
        bytes.AddRange(Encoding.ASCII.GetBytes(Tail));
        return bytes.ToArray();
    }
}
