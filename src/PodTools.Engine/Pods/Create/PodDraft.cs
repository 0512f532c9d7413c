using k8s.Models;

namespace PodTools.Engine.Pods.Create;

/// <summary>
/// A pod ready to be sent, with where it came from (a manifest position, the cmdlet's parameters, an input object)
/// so errors can name the source.
/// </summary>
public sealed class PodDraft
{
    internal PodDraft(V1Pod pod, string source, SourcePosition? position = null)
    {
        Pod = pod;
        Source = source;
        Position = position;
    }

    /// <summary>The pod to create. Engine code only: the cmdlet assembly never touches KubernetesClient types.</summary>
    public V1Pod Pod { get; }

    /// <summary>metadata.name, or metadata.generateName for a name the server picks.</summary>
    public string Name => Pod.Metadata?.Name is { Length: > 0 } name ? name : Pod.Metadata?.GenerateName ?? "";

    /// <summary>metadata.namespace as the source gave it, or null.</summary>
    public string? ManifestNamespace => string.IsNullOrEmpty(Pod.Metadata?.NamespaceProperty) ? null : Pod.Metadata.NamespaceProperty;

    /// <summary>"pods.yaml:3:1", "parameters" or "InputObject": where the pod was described.</summary>
    public string Source { get; }

    internal SourcePosition? Position { get; }

    public override string ToString() => Name;
}

/// <summary>A manifest's text and where one object starts in it, for positions of individual fields.</summary>
internal sealed record SourcePosition(string SourceName, string Text, int Line, int Column);
