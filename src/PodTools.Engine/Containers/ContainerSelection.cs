using k8s.Models;
using PodTools.Engine.Errors;

namespace PodTools.Engine.Containers;

/// <summary>
/// Chooses the container a command, a terminal or a log is about, as kubectl does: the one asked for, else the
/// pod's kubectl.kubernetes.io/default-container annotation, else the only container, else an error listing them.
/// </summary>
public static class ContainerSelection
{
    public const string DefaultContainerAnnotation = "kubectl.kubernetes.io/default-container";

    /// <summary>The container name to use; throws ContainerNotFound or ContainerNameRequired.</summary>
    public static string Resolve(V1Pod pod, string? requested)
    {
        ArgumentNullException.ThrowIfNull(pod);
        string podName = pod.Metadata?.Name ?? "";
        var containers = pod.Spec?.Containers?.Select(c => c.Name).ToList() ?? [];
        var initContainers = pod.Spec?.InitContainers?.Select(c => c.Name).ToList() ?? [];
        var ephemeral = pod.Spec?.EphemeralContainers?.Select(c => c.Name).ToList() ?? [];

        if (!string.IsNullOrEmpty(requested))
        {
            if (containers.Contains(requested) || initContainers.Contains(requested) || ephemeral.Contains(requested))
            {
                return requested;
            }

            // The API server's wording, plus the choices.
            throw new KubeEngineException("ContainerNotFound", KubeErrorCategory.ObjectNotFound,
                $"container {requested} is not valid for pod {podName}; choose one of: [{string.Join(" ", containers)}]" +
                (initContainers.Count > 0 ? $" or one of the init containers: [{string.Join(" ", initContainers)}]" : ""),
                requested);
        }

        if (pod.Metadata?.Annotations is { } annotations
            && annotations.TryGetValue(DefaultContainerAnnotation, out string? annotated)
            && !string.IsNullOrEmpty(annotated) && containers.Contains(annotated))
        {
            return annotated;
        }

        if (containers.Count == 1)
        {
            return containers[0];
        }

        throw NameRequired(podName, containers, initContainers);
    }

    /// <summary>The containers of <paramref name="pod"/> (app containers, in spec order).</summary>
    public static IReadOnlyList<string> Names(V1Pod pod) => pod.Spec?.Containers?.Select(c => c.Name).ToList() ?? [];

    /// <summary>kubectl's refusal of a multi-container pod without a container name.</summary>
    public static KubeEngineException NameRequired(string podName, IReadOnlyList<string> containers, IReadOnlyList<string>? initContainers = null)
    {
        string message = $"a container name must be specified for pod {podName}, choose one of: [{string.Join(" ", containers)}]";
        if (initContainers is { Count: > 0 })
        {
            message += $" or one of the init containers: [{string.Join(" ", initContainers)}]";
        }

        return new KubeEngineException("ContainerNameRequired", KubeErrorCategory.InvalidArgument, message, podName);
    }

    /// <summary>
    /// Refuses a pod or container that cannot run a command now (kubectl and the kubelet refuse it too), naming
    /// the phase or the container state; returns null when it can.
    /// </summary>
    public static KubeEngineException? NotRunning(V1Pod pod, string container)
    {
        string podName = pod.Metadata?.Name ?? "";
        string phase = pod.Status?.Phase ?? "Unknown";
        if (phase is "Succeeded" or "Failed")
        {
            return new KubeEngineException("PodNotRunning", KubeErrorCategory.InvalidOperation,
                $"cannot exec into a container in a completed pod; current phase is {phase}", podName);
        }

        var status = (pod.Status?.ContainerStatuses ?? [])
            .Concat(pod.Status?.InitContainerStatuses ?? [])
            .Concat(pod.Status?.EphemeralContainerStatuses ?? [])
            .FirstOrDefault(s => s.Name == container);
        if (status?.State?.Running is not null)
        {
            return null;
        }

        string state = status?.State switch
        {
            { Waiting: { } waiting } => $"waiting: {waiting.Reason}",
            { Terminated: { } terminated } => $"terminated: {terminated.Reason}",
            _ => "not started",
        };
        return new KubeEngineException(phase == "Running" ? "ContainerNotRunning" : "PodNotRunning", KubeErrorCategory.InvalidOperation,
            $"container {container} of pod {podName} is not running ({state}); pod phase is {phase}", podName);
    }
}
