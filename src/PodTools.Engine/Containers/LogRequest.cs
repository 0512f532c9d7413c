namespace PodTools.Engine.Containers;

/// <summary>One container log to read and how (the pods/log options).</summary>
public sealed record LogRequest
{
    public required string Namespace { get; init; }

    public required string Pod { get; init; }

    public required string Container { get; init; }

    /// <summary>The log of the previous, terminated instance of the container.</summary>
    public bool Previous { get; init; }

    /// <summary>Keep the stream open and yield lines as they are written.</summary>
    public bool Follow { get; init; }

    /// <summary>Only the last N lines.</summary>
    public int? TailLines { get; init; }

    /// <summary>Only lines newer than this many seconds.</summary>
    public int? SinceSeconds { get; init; }

    /// <summary>Stop after this many bytes.</summary>
    public int? LimitBytes { get; init; }
}
