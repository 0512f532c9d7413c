using System.Globalization;

namespace PodTools.Engine.Model;

/// <summary>One line of a container's log, as Get-KPodLog writes it.</summary>
public sealed class KPodLogLine
{
    public required string Pod { get; init; }

    public required string Namespace { get; init; }

    public required string Container { get; init; }

    /// <summary>When the kubelet recorded the line (UTC); null if the server sent no timestamp.</summary>
    public DateTime? Timestamp { get; init; }

    /// <summary>The text of the line, without its line break.</summary>
    public required string Line { get; init; }

    /// <summary>"pod/container", the prefix the multi-source view shows.</summary>
    public string Source => Pod + "/" + Container;

    /// <summary>The timestamp as the kubelet prints it (RFC 3339, UTC), or empty.</summary>
    public string TimestampText =>
        Timestamp is { } time ? time.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) : "";

    public override string ToString() => Line;
}
