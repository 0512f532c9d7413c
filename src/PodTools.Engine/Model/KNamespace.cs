using k8s.Models;
using PodTools.Engine.Printing;

namespace PodTools.Engine.Model;

/// <summary>A namespace as PodTools shows it (kubectl's NAME STATUS AGE), with the full V1Namespace in <see cref="Object"/>.</summary>
public sealed class KNamespace
{
    private KNamespace(V1Namespace ns)
    {
        Object = ns;
        Name = ns.Metadata?.Name ?? "";
        // kubectl prints the phase as is, empty when the server sent none.
        Status = ns.Status?.Phase ?? "";
        CreationTimestamp = ns.Metadata?.CreationTimestamp is { } created ? DateTime.SpecifyKind(created, DateTimeKind.Utc) : null;
        DeletionTimestamp = ns.Metadata?.DeletionTimestamp is { } deleted ? DateTime.SpecifyKind(deleted, DateTimeKind.Utc) : null;
        Labels = ns.Metadata?.Labels is { } labels
            ? new Dictionary<string, string>(labels, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        Annotations = ns.Metadata?.Annotations is { } annotations
            ? new Dictionary<string, string>(annotations, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
    }

    public string Name { get; }

    /// <summary>The STATUS column: the phase, "Active" or "Terminating".</summary>
    public string Status { get; }

    /// <summary>The AGE column ("5m", "2d3h"), measured now.</summary>
    public string Age => DurationPrinter.Since(CreationTimestamp, DateTime.UtcNow);

    public DateTime? CreationTimestamp { get; }

    /// <summary>Set once deletion has started.</summary>
    public DateTime? DeletionTimestamp { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>The LABELS column of kubectl --show-labels.</summary>
    public string LabelsText => Model.LabelsText.Format(Labels);

    public IReadOnlyDictionary<string, string> Annotations { get; }

    /// <summary>The full Kubernetes object.</summary>
    public V1Namespace Object { get; }

    public static KNamespace From(V1Namespace ns) => new(ns ?? throw new ArgumentNullException(nameof(ns)));

    public override string ToString() => Name;
}
