using k8s.Models;
using PodTools.Engine.Model;

namespace PodTools.Engine.Pods.Wait;

/// <summary>The states Wait-KPod, New-KPod -Wait and Remove-KPod -Wait wait for.</summary>
public enum PodCondition
{
    /// <summary>Running with the Ready condition True (every container ready, readiness gates passed).</summary>
    Ready,

    /// <summary>Phase Running.</summary>
    Running,

    /// <summary>The pod (this incarnation of it: its UID) no longer exists.</summary>
    Deleted,

    /// <summary>Phase Succeeded: every container exited 0 and none will restart.</summary>
    Completed,
}

/// <summary>Where a pod stands with respect to a <see cref="PodCondition"/>.</summary>
public enum PodCheckState
{
    /// <summary>The condition holds.</summary>
    Met,

    /// <summary>Not yet; it may still come.</summary>
    Pending,

    /// <summary>The pod is stuck or finished in a way that will not lead to the condition without outside help.</summary>
    Failed,
}

/// <summary>The verdict on one pod: state, and for Failed the kubelet's or scheduler's reason and message.</summary>
public sealed record PodCheck(PodCheckState State, string? Reason = null, string? Message = null)
{
    public static PodCheck Met { get; } = new(PodCheckState.Met);

    public static PodCheck Pending { get; } = new(PodCheckState.Pending);

    /// <summary>Decides <paramref name="condition"/> for an existing pod (Deleted is always Pending here: the pod still exists).</summary>
    public static PodCheck Evaluate(KPod pod, PodCondition condition)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var v1 = pod.Object;
        string? phase = v1.Status?.Phase;
        switch (condition)
        {
            case PodCondition.Deleted:
                return Pending;
            case PodCondition.Completed when phase == "Succeeded":
            case PodCondition.Running when phase == "Running":
                return Met;
            case PodCondition.Ready when phase == "Running" && IsReady(v1):
                return Met;
        }

        if (phase == "Failed")
        {
            string reason = string.IsNullOrEmpty(v1.Status?.Reason) ? "Failed" : v1.Status!.Reason;
            string detail = v1.Status?.Message is { Length: > 0 } message ? message : TerminatedDetail(v1) ?? $"the pod's status is {pod.Status}";
            return new PodCheck(PodCheckState.Failed, reason, detail);
        }

        if (phase == "Succeeded")
        {
            // Ready/Running can never come: the containers have exited for good.
            return new PodCheck(PodCheckState.Failed, "Completed", "the pod's containers have completed and will not run again");
        }

        if (v1.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled") is { Status: "False", Reason: "Unschedulable" } unscheduled)
        {
            return new PodCheck(PodCheckState.Failed, "Unschedulable", unscheduled.Message ?? "no node fits the pod");
        }

        var containers = (v1.Status?.InitContainerStatuses ?? []).Concat(v1.Status?.ContainerStatuses ?? []);
        foreach (var container in containers)
        {
            if (container.State?.Waiting is { Reason: { } reason } waiting && StuckReasons.Contains(reason))
            {
                string message = string.IsNullOrEmpty(waiting.Message) ? reason : waiting.Message;
                return new PodCheck(PodCheckState.Failed, reason, $"container '{container.Name}': {message}");
            }
        }

        return Pending;
    }

    /// <summary>Waiting reasons the kubelet keeps a container in until someone changes the pod (kubectl's STATUS shows them).</summary>
    private static readonly HashSet<string> StuckReasons = new(StringComparer.Ordinal)
    {
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "InvalidImageName",
        "ErrImageNeverPull",
        "CreateContainerConfigError",
    };

    private static bool IsReady(V1Pod pod) =>
        pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private static string? TerminatedDetail(V1Pod pod)
    {
        var terminated = (pod.Status?.ContainerStatuses ?? [])
            .Select(s => (s.Name, State: s.State?.Terminated))
            .FirstOrDefault(s => s.State is not null && s.State.ExitCode != 0);
        return terminated.State is { } state
            ? $"container '{terminated.Name}' exited with code {state.ExitCode}" + (string.IsNullOrEmpty(state.Reason) ? "" : $" ({state.Reason})")
            : null;
    }
}
