namespace PodTools.Engine.Model;

/// <summary>A context from the resolved kubeconfig, as Get-KContext shows it.</summary>
public sealed class KContext
{
    public required string Name { get; init; }

    public string? Cluster { get; init; }

    public string? User { get; init; }

    /// <summary>The context's namespace, "default" when the kubeconfig sets none.</summary>
    public required string Namespace { get; init; }

    /// <summary>True for the context commands use when -Context is not given.</summary>
    public bool IsCurrent { get; init; }

    /// <summary>The cluster's API server URL.</summary>
    public string? Server { get; init; }

    /// <summary>The kubeconfig file the context was read from.</summary>
    public string? Kubeconfig { get; init; }

    public override string ToString() => Name;
}
