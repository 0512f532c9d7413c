namespace PodTools.Engine.Model;

/// <summary>What a command run in one pod's container produced (Invoke-KPodCommand across several pods).</summary>
public sealed class KExecResult
{
    public required string Pod { get; init; }

    public required string Namespace { get; init; }

    public required string Container { get; init; }

    /// <summary>Everything the command wrote to stdout.</summary>
    public required string Output { get; init; }

    /// <summary>Everything the command wrote to stderr.</summary>
    public required string Error { get; init; }

    /// <summary>The remote process's exit code (0 on success).</summary>
    public int ExitCode { get; init; }

    public bool Succeeded => ExitCode == 0;

    public override string ToString() => Output;
}
