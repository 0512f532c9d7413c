using System.Globalization;
using PodTools.Engine.Errors;

namespace PodTools.Engine.Containers;

/// <summary>One forwarded port: kubectl's "local:remote", "remote" (same local port) or ":remote" (any free local port).</summary>
public readonly record struct PortMapping(int LocalPort, int RemotePort)
{
    /// <summary>Parses kubectl's port syntax; throws InvalidPortMapping.</summary>
    public static PortMapping Parse(string text)
    {
        string value = (text ?? "").Trim();
        string[] parts = value.Split(':');
        if (parts.Length is < 1 or > 2)
        {
            throw Invalid(text);
        }

        string local = parts.Length == 2 ? parts[0] : parts[0];
        string remote = parts.Length == 2 ? parts[1] : parts[0];
        if (!TryPort(remote, allowZero: false, out int remotePort))
        {
            throw Invalid(text);
        }

        int localPort;
        if (parts.Length == 2 && local.Length == 0)
        {
            localPort = 0;
        }
        else if (!TryPort(local, allowZero: true, out localPort))
        {
            throw Invalid(text);
        }

        return new PortMapping(localPort, remotePort);
    }

    /// <summary>Parses every mapping; the first malformed one throws InvalidPortMapping.</summary>
    public static IReadOnlyList<PortMapping> ParseAll(IEnumerable<string> texts) => texts.Select(Parse).ToList();

    public override string ToString() => $"{LocalPort}:{RemotePort}";

    private static bool TryPort(string text, bool allowZero, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535 && (allowZero ? port >= 0 : port > 0);

    private static KubeEngineException Invalid(string? text) =>
        new("InvalidPortMapping", KubeErrorCategory.InvalidArgument,
            $"'{text}' is not a port mapping: use LOCAL:REMOTE (e.g. 8080:80), REMOTE, or :REMOTE for any free local port.", text);
}
