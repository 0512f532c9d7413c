using k8s.Models;

namespace PodTools.Engine.Model;

/// <summary>One container (or init container) of a pod, with its status folded in.</summary>
public sealed class KContainer
{
    public required string Pod { get; init; }

    public required string Namespace { get; init; }

    public required string Name { get; init; }

    public string? Image { get; init; }

    /// <summary>True for an entry of spec.initContainers.</summary>
    public bool IsInit { get; init; }

    public bool Ready { get; init; }

    /// <summary>"Running", "Waiting: CrashLoopBackOff", "Terminated: Completed", or "Unknown" before the kubelet reports.</summary>
    public required string State { get; init; }

    public int Restarts { get; init; }

    /// <summary>Declared ports as "80/TCP".</summary>
    public IReadOnlyList<string> Ports { get; init; } = [];

    /// <summary>The ports joined for a table column (`80/TCP,443/TCP`).</summary>
    public string PortsText => string.Join(",", Ports);

    /// <summary>The container spec as sent to the API.</summary>
    public required V1Container Spec { get; init; }

    public override string ToString() => Name;

    internal static KContainer From(V1Pod pod, V1Container spec, bool isInit)
    {
        var statuses = isInit ? pod.Status?.InitContainerStatuses : pod.Status?.ContainerStatuses;
        var status = statuses?.FirstOrDefault(s => s.Name == spec.Name);
        return new KContainer
        {
            Pod = pod.Metadata?.Name ?? "",
            Namespace = pod.Metadata?.NamespaceProperty ?? "",
            Name = spec.Name,
            Image = spec.Image,
            IsInit = isInit,
            Ready = status?.Ready ?? false,
            State = StateOf(status),
            Restarts = status?.RestartCount ?? 0,
            Ports = spec.Ports?.Select(p => $"{p.ContainerPort}/{p.Protocol ?? "TCP"}").ToList() ?? [],
            Spec = spec,
        };
    }

    private static string StateOf(V1ContainerStatus? status) => status?.State switch
    {
        { Running: not null } => "Running",
        { Waiting: { } waiting } => string.IsNullOrEmpty(waiting.Reason) ? "Waiting" : $"Waiting: {waiting.Reason}",
        { Terminated: { } terminated } => string.IsNullOrEmpty(terminated.Reason) ? "Terminated" : $"Terminated: {terminated.Reason}",
        _ => "Unknown",
    };
}
