namespace PodTools.Engine.Containers;

/// <summary>What to run where: pod, container, argv, and which streams the session has.</summary>
public sealed record ExecRequest
{
    public required string Namespace { get; init; }

    public required string Pod { get; init; }

    /// <summary>The container; resolve the default with <see cref="ContainerSelection"/> first.</summary>
    public required string Container { get; init; }

    /// <summary>argv, not run through a shell.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Open the stdin channel.</summary>
    public bool Stdin { get; init; }

    /// <summary>Run under a pseudo-terminal (stderr merges into stdout, resize messages apply).</summary>
    public bool Tty { get; init; }

    /// <summary>The terminal size sent as soon as the session opens (TTY only).</summary>
    public TerminalSize? InitialSize { get; init; }
}

/// <summary>A terminal size in character cells.</summary>
public readonly record struct TerminalSize(int Width, int Height);

/// <summary>Which stream a chunk of exec output came from.</summary>
public enum ExecStream
{
    StdOut = ChannelProtocol.StdOut,
    StdErr = ChannelProtocol.StdErr,
}

/// <summary>One chunk of output as it arrived.</summary>
public readonly record struct ExecOutput(ExecStream Stream, ReadOnlyMemory<byte> Data);
