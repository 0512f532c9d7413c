using k8s.Models;
using PodTools.Engine.Errors;

namespace PodTools.Engine.Namespaces;

/// <summary>
/// A namespace about to be created, checked client-side. The cmdlet layer handles it without touching
/// KubernetesClient types (they live in the module's private load context).
/// </summary>
public sealed class NamespaceDraft
{
    internal NamespaceDraft(V1Namespace? ns, string? source, KubeEngineException? error = null)
    {
        Object = ns;
        Source = source;
        Error = error;
    }

    /// <summary>The name, or the generateName prefix followed by "*" when the server picks the name.</summary>
    public string Name => Object?.Metadata?.Name is { Length: > 0 } name ? name : (Object?.Metadata?.GenerateName ?? "") + "*";

    /// <summary>"file:line:column" for a namespace read from a manifest, else null.</summary>
    public string? Source { get; }

    /// <summary>Why this object cannot be created (wrong kind, invalid name or labels); null when it is fine to send.</summary>
    public KubeEngineException? Error { get; }

    internal V1Namespace? Object { get; }
}
