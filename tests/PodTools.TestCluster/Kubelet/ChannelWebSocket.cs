using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace PodTools.TestCluster.Kubelet;

/// <summary>
/// A WebSocket speaking Kubernetes' channel protocol (apiserver's wsstream): every message starts with its
/// channel number, one byte in the binary protocols, an ASCII digit followed by base64 in the base64 ones.
/// The upgrade is done by hand over Kestrel's upgrade feature, so the host needs no WebSocket middleware.
/// </summary>
internal sealed class ChannelWebSocket : IExecConnection, IAsyncDisposable
{
    public const string V5Binary = "v5.channel.k8s.io";
    public const string V4Binary = "v4.channel.k8s.io";
    public const string V4Base64 = "v4.base64.channel.k8s.io";

    private readonly WebSocket _socket;
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly bool _base64;

    private ChannelWebSocket(WebSocket socket, string protocol)
    {
        _socket = socket;
        Protocol = protocol;
        _base64 = protocol.Contains("base64", StringComparison.Ordinal);
    }

    /// <summary>The negotiated subprotocol ("" when the client asked for none: binary, as wsstream treats it).</summary>
    public string Protocol { get; }

    public WebSocketState State => _socket.State;

    public static bool IsWebSocketRequest(HttpContext context) =>
        context.Request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase)
        && context.Request.Headers.Connection.ToString().Contains("upgrade", StringComparison.OrdinalIgnoreCase);

    public static bool IsUpgradeRequest(HttpContext context) =>
        context.Request.Headers.Connection.ToString().Contains("upgrade", StringComparison.OrdinalIgnoreCase)
        && context.Request.Headers.Upgrade.Count > 0;

    /// <summary>The client's subprotocols in its order of preference.</summary>
    public static IReadOnlyList<string> RequestedProtocols(HttpContext context) =>
        context.Request.Headers["Sec-WebSocket-Protocol"]
            .SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .ToList();

    /// <summary>
    /// wsstream's handshake: the first protocol the client lists that the server allows wins ("" when it lists
    /// none). Null when nothing matches; the caller refuses the upgrade.
    /// </summary>
    public static string? Negotiate(IReadOnlyList<string> requested, IReadOnlyList<string> allowed)
    {
        var candidates = requested.Count == 0 ? [""] : requested;
        return candidates.FirstOrDefault(allowed.Contains);
    }

    /// <summary>Completes the upgrade with <paramref name="protocol"/> and returns the connection.</summary>
    public static async Task<ChannelWebSocket> AcceptAsync(HttpContext context, string protocol) =>
        new(await AcceptWebSocketAsync(context, protocol).ConfigureAwait(false), protocol);

    /// <summary>Completes the WebSocket handshake over Kestrel's upgrade feature and returns the plain WebSocket.</summary>
    public static async Task<WebSocket> AcceptWebSocketAsync(HttpContext context, string protocol)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is null || !upgrade.IsUpgradableRequest)
            throw new InvalidOperationException("The connection cannot be upgraded (WebSockets need HTTP/1.1).");
        var key = context.Request.Headers["Sec-WebSocket-Key"].ToString();
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key.Trim() + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        context.Response.Headers.Connection = "Upgrade";
        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers["Sec-WebSocket-Accept"] = accept;
        if (protocol.Length > 0) context.Response.Headers["Sec-WebSocket-Protocol"] = protocol;
        var stream = await upgrade.UpgradeAsync().ConfigureAwait(false);
        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions
        {
            IsServer = true,
            // The header is already sent; WebSocket would reject "SPDY/3.1+portforward.k8s.io" ('/' is no token character).
            SubProtocol = null,
            KeepAliveInterval = TimeSpan.FromSeconds(30),
        });
    }

    /// <summary>Sends one message on <paramref name="channel"/>; an empty payload is a valid message (the "connected" signal).</summary>
    public async Task SendAsync(byte channel, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        byte[] message;
        WebSocketMessageType type;
        if (_base64)
        {
            message = Encoding.ASCII.GetBytes((char)('0' + channel) + Convert.ToBase64String(data.Span));
            type = WebSocketMessageType.Text;
        }
        else
        {
            message = new byte[data.Length + 1];
            message[0] = channel;
            data.Span.CopyTo(message.AsSpan(1));
            type = WebSocketMessageType.Binary;
        }
        await _sendGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_socket.State is not WebSocketState.Open and not WebSocketState.CloseReceived) return;
            await _socket.SendAsync(message, type, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendGate.Release();
        }
    }

    /// <summary>The next message as (channel, payload); null once the client closes or the connection drops.</summary>
    public async Task<(byte Channel, byte[] Data)?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            WebSocketReceiveResult result;
            try
            {
                result = await _socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (WebSocketException)
            {
                return null;
            }
            if (result.MessageType == WebSocketMessageType.Close) return null;
            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage) continue;
            var bytes = message.ToArray();
            if (bytes.Length == 0)
            {
                message.SetLength(0);
                continue;
            }
            if (!_base64) return (bytes[0], bytes[1..]);
            var channel = (byte)(bytes[0] - '0');
            try
            {
                return (channel, Convert.FromBase64String(Encoding.ASCII.GetString(bytes, 1, bytes.Length - 1)));
            }
            catch (FormatException)
            {
                return (channel, []);
            }
        }
    }

    /// <summary>A normal close (what wsstream does when the handler returns).</summary>
    public async Task CloseAsync()
    {
        await _sendGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // The client is already gone.
        }
        finally
        {
            _sendGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        _socket.Dispose();
        _sendGate.Dispose();
    }
}
