using System.Globalization;
using System.Net.WebSockets;
using k8s;
using k8s.Models;

namespace PodTools.Engine.Containers;

/// <summary>
/// The Kubernetes channel WebSocket protocol used by exec and port-forward: every binary message starts with
/// the channel byte. Exec: 0 stdin, 1 stdout, 2 stderr, 3 error (a Status when the process ends), 4 resize
/// (JSON {"Width","Height"}); v5 adds channel 255, whose one-byte payload closes a channel (stdin EOF).
/// </summary>
public static class ChannelProtocol
{
    public const byte StdIn = 0;
    public const byte StdOut = 1;
    public const byte StdErr = 2;
    public const byte Error = 3;
    public const byte Resize = 4;
    public const byte Close = 255;

    /// <summary>v5.channel.k8s.io: v4 plus the close signal.</summary>
    public const string V5 = WebSocketProtocol.V5BinaryWebsocketProtocol;

    /// <summary>v4.channel.k8s.io: structured Status on the error channel.</summary>
    public const string V4 = WebSocketProtocol.V4BinaryWebsocketProtocol;

    /// <summary>The exit code a Status from the error channel reports, or a failure that is not an exit code.</summary>
    public static ExecExit ParseExit(string? statusJson)
    {
        if (string.IsNullOrWhiteSpace(statusJson))
        {
            // v1-v3 servers and a v4 server whose process ended cleanly may send nothing: success, as client-go reads it.
            return new ExecExit(0, null);
        }

        V1Status? status;
        try
        {
            status = KubernetesJson.Deserialize<V1Status>(statusJson);
        }
        catch (Exception)
        {
            // Older protocols send a plain error message instead of a Status.
            return new ExecExit(null, statusJson.Trim());
        }

        if (status is null || string.Equals(status.Status, "Success", StringComparison.Ordinal))
        {
            return new ExecExit(0, null);
        }

        if (string.Equals(status.Reason, "NonZeroExitCode", StringComparison.Ordinal))
        {
            var cause = status.Details?.Causes?.FirstOrDefault(c => string.Equals(c.Reason, "ExitCode", StringComparison.Ordinal));
            if (cause is not null && int.TryParse(cause.Message, NumberStyles.Integer, CultureInfo.InvariantCulture, out int code))
            {
                return new ExecExit(code, status.Message);
            }
        }

        return new ExecExit(null, string.IsNullOrEmpty(status.Message) ? status.Reason ?? "exec failed" : status.Message);
    }

    /// <summary>
    /// Reads channel messages until the peer closes the socket, handing each piece of payload to
    /// <paramref name="onData"/> with its channel (a message split over several frames keeps its channel). The data
    /// lives in <paramref name="buffer"/> only until the callback returns.
    /// </summary>
    internal static async Task ReadChannelsAsync(WebSocket socket, byte[] buffer, Func<byte, ReadOnlyMemory<byte>, ValueTask> onData,
        CancellationToken cancellationToken)
    {
        int channel = -1;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            int offset = 0;
            if (channel < 0)
            {
                if (result.Count == 0)
                {
                    continue;
                }

                channel = buffer[0];
                offset = 1;
            }

            if (result.Count > offset)
            {
                await onData((byte)channel, buffer.AsMemory(offset, result.Count - offset)).ConfigureAwait(false);
            }

            if (result.EndOfMessage)
            {
                channel = -1;
            }
        }
    }

    /// <summary>The resize message for a terminal of <paramref name="width"/> columns and <paramref name="height"/> rows.</summary>
    public static byte[] ResizeMessage(int width, int height) =>
        System.Text.Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"Width\":{width},\"Height\":{height}}}"));
}

/// <summary>How a remote process ended: its exit code, or (ExitCode null) a failure the server reported instead.</summary>
public sealed record ExecExit(int? ExitCode, string? Message)
{
    public bool Succeeded => ExitCode == 0;
}
