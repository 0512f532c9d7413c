using k8s.Models;
using PodTools.Engine.Printing;

namespace PodTools.Engine.Model;

/// <summary>
/// A pod as PodTools shows it: kubectl's computed columns (READY, STATUS, RESTARTS) worked out once when the
/// object is made, plus the full V1Pod in <see cref="Object"/>.
/// </summary>
public sealed class KPod
{
    private readonly DateTime? _lastRestart;

    private KPod(V1Pod pod)
    {
        var summary = PodPrinter.Summarize(pod);
        Object = pod;
        Name = pod.Metadata?.Name ?? "";
        Namespace = pod.Metadata?.NamespaceProperty ?? "";
        Ready = summary.Ready;
        Status = summary.Status;
        Restarts = summary.Restarts;
        _lastRestart = summary.LastRestart;
        CreationTimestamp = pod.Metadata?.CreationTimestamp is { } created ? DateTime.SpecifyKind(created, DateTimeKind.Utc) : null;
        IP = NullIfEmpty(pod.Status?.PodIP);
        Node = NullIfEmpty(pod.Spec?.NodeName);
        NominatedNode = NullIfEmpty(pod.Status?.NominatedNodeName);
        ReadinessGates = ReadinessGatesText(pod);
        Labels = pod.Metadata?.Labels is { } labels
            ? new Dictionary<string, string>(labels, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        Containers = pod.Spec?.Containers?.Select(c => KContainer.From(pod, c, isInit: false)).ToList() ?? [];
        InitContainers = pod.Spec?.InitContainers?.Select(c => KContainer.From(pod, c, isInit: true)).ToList() ?? [];
    }

    public string Name { get; }

    public string Namespace { get; }

    /// <summary>Ready containers over all containers, e.g. "1/2".</summary>
    public string Ready { get; }

    /// <summary>The STATUS column exactly as kubectl prints it.</summary>
    public string Status { get; }

    /// <summary>Restarts summed over the app containers, as kubectl counts them.</summary>
    public int Restarts { get; }

    /// <summary>The RESTARTS column: "0", or "3 (5m ago)".</summary>
    public string RestartsText => new PodSummary(Status, 0, 0, Restarts, _lastRestart).RestartsText(DateTime.UtcNow);

    /// <summary>The AGE column ("5m", "2d3h"), measured now.</summary>
    public string Age => DurationPrinter.Since(CreationTimestamp, DateTime.UtcNow);

    public DateTime? CreationTimestamp { get; }

    public string? IP { get; }

    public string? Node { get; }

    /// <summary>status.nominatedNodeName, null when unset.</summary>
    public string? NominatedNode { get; }

    /// <summary>READINESS GATES as kubectl -o wide prints it: "&lt;none&gt;" or "1/2".</summary>
    public string ReadinessGates { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>The labels as `kubectl get --show-labels` prints them (`a=1,b=2`, or `<none>`).</summary>
    public string LabelsText => Model.LabelsText.Format(Labels);

    /// <summary>The app containers (spec.containers) with their status.</summary>
    public IReadOnlyList<KContainer> Containers { get; }

    public IReadOnlyList<KContainer> InitContainers { get; }

    /// <summary>The full Kubernetes object.</summary>
    public V1Pod Object { get; }

    public static KPod From(V1Pod pod) => new(pod ?? throw new ArgumentNullException(nameof(pod)));

    public override string ToString() => Name;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string ReadinessGatesText(V1Pod pod)
    {
        var gates = pod.Spec?.ReadinessGates;
        if (gates is null || gates.Count == 0)
        {
            return "<none>";
        }

        int ready = gates.Count(gate => pod.Status?.Conditions?.Any(c =>
            c.Type == gate.ConditionType && string.Equals(c.Status, "True", StringComparison.Ordinal)) == true);
        return $"{ready}/{gates.Count}";
    }
}
