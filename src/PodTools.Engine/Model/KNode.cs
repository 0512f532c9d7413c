using k8s.Models;
using PodTools.Engine.Printing;

namespace PodTools.Engine.Model;

/// <summary>
/// A node as PodTools shows it: kubectl's NAME STATUS ROLES AGE VERSION and -o wide columns worked out once,
/// plus the full V1Node in <see cref="Object"/>.
/// </summary>
public sealed class KNode
{
    private KNode(V1Node node)
    {
        Object = node;
        Name = node.Metadata?.Name ?? "";
        Status = NodePrinter.Status(node);
        IsReady = NodePrinter.IsReady(node);
        Unschedulable = node.Spec?.Unschedulable == true;
        Roles = NodePrinter.Roles(node);
        RolesText = NodePrinter.RolesText(node);
        CreationTimestamp = node.Metadata?.CreationTimestamp is { } created ? DateTime.SpecifyKind(created, DateTimeKind.Utc) : null;
        var info = node.Status?.NodeInfo;
        Version = info?.KubeletVersion ?? "";
        InternalIP = NodePrinter.InternalIP(node);
        ExternalIP = NodePrinter.ExternalIP(node);
        OSImage = NullIfEmpty(info?.OsImage);
        KernelVersion = NullIfEmpty(info?.KernelVersion);
        ContainerRuntime = NullIfEmpty(info?.ContainerRuntimeVersion);
        Labels = node.Metadata?.Labels is { } labels
            ? new Dictionary<string, string>(labels, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        Taints = node.Spec?.Taints?.Select(t => string.IsNullOrEmpty(t.Value) ? $"{t.Key}:{t.Effect}" : $"{t.Key}={t.Value}:{t.Effect}").ToList() ?? [];
    }

    public string Name { get; }

    /// <summary>The STATUS column: "Ready", "NotReady" or "Unknown", plus ",SchedulingDisabled" when cordoned.</summary>
    public string Status { get; }

    /// <summary>True when the node's Ready condition is True.</summary>
    public bool IsReady { get; }

    /// <summary>spec.unschedulable (cordoned).</summary>
    public bool Unschedulable { get; }

    /// <summary>The roles from node-role.kubernetes.io/* and kubernetes.io/role labels, sorted.</summary>
    public IReadOnlyList<string> Roles { get; }

    /// <summary>The ROLES column: roles joined with commas, or "&lt;none&gt;".</summary>
    public string RolesText { get; }

    /// <summary>The AGE column, measured now.</summary>
    public string Age => DurationPrinter.Since(CreationTimestamp, DateTime.UtcNow);

    public DateTime? CreationTimestamp { get; }

    /// <summary>The VERSION column: the kubelet version.</summary>
    public string Version { get; }

    /// <summary>First InternalIP address, null when the node reports none.</summary>
    public string? InternalIP { get; }

    /// <summary>First ExternalIP address, null when the node reports none.</summary>
    public string? ExternalIP { get; }

    public string? OSImage { get; }

    public string? KernelVersion { get; }

    /// <summary>The container runtime and its version, e.g. "containerd://1.7.24".</summary>
    public string? ContainerRuntime { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>The LABELS column of kubectl --show-labels.</summary>
    public string LabelsText => Model.LabelsText.Format(Labels);

    /// <summary>Taints as "key=value:Effect".</summary>
    public IReadOnlyList<string> Taints { get; }

    /// <summary>The full Kubernetes object.</summary>
    public V1Node Object { get; }

    public static KNode From(V1Node node) => new(node ?? throw new ArgumentNullException(nameof(node)));

    public override string ToString() => Name;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
