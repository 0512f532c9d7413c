using k8s.Models;

namespace PodTools.Engine.Printing;

/// <summary>kubectl's pod columns (READY, STATUS, RESTARTS), ported from printPod in k8s.io/kubernetes pkg/printers/internalversion/printers.go.</summary>
public static class PodPrinter
{
    private const string NodeUnreachablePodReason = "NodeLost";
    private const string SchedulingGatedReason = "SchedulingGated";

    /// <summary>kubectl's STATUS column, case for case.</summary>
    public static string Status(V1Pod pod) => Summarize(pod).Status;

    /// <summary>kubectl's READY column: ready containers over containers, restartable init containers (sidecars) included.</summary>
    public static string Ready(V1Pod pod) => Summarize(pod).Ready;

    /// <summary>kubectl's restart count: app containers plus sidecars once initialized, init containers while initializing.</summary>
    public static int Restarts(V1Pod pod) => Summarize(pod).Restarts;

    /// <summary>When the most recently restarted counted container last terminated, or null when none did.</summary>
    public static DateTime? LastRestart(V1Pod pod) => Summarize(pod).LastRestart;

    /// <summary>kubectl's RESTARTS column: "0", or "3 (5m ago)" when the last restart time is known.</summary>
    public static string RestartsText(V1Pod pod, DateTime utcNow) => Summarize(pod).RestartsText(utcNow);

    /// <summary>All of the columns above from one pass over the pod, for callers that show several.</summary>
    public static PodSummary Summarize(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var spec = pod.Spec;
        var status = pod.Status;
        var initContainerSpecs = spec?.InitContainers ?? [];
        var initContainerStatuses = status?.InitContainerStatuses ?? [];
        var containerStatuses = status?.ContainerStatuses ?? [];
        var conditions = status?.Conditions ?? [];

        int restarts = 0;
        int restartableInitContainerRestarts = 0;
        int totalContainers = spec?.Containers?.Count ?? 0;
        int readyContainers = 0;
        DateTime? lastRestartDate = null;
        DateTime? lastRestartableInitContainerRestartDate = null;

        string podPhase = status?.Phase ?? "";
        string reason = string.IsNullOrEmpty(status?.Reason) ? podPhase : status!.Reason;

        foreach (var condition in conditions)
        {
            if (condition.Type == "PodScheduled" && condition.Reason == SchedulingGatedReason)
            {
                reason = SchedulingGatedReason;
            }
        }

        var initContainersByName = new Dictionary<string, V1Container>(StringComparer.Ordinal);
        foreach (var initContainer in initContainerSpecs)
        {
            if (initContainer.Name is not null)
            {
                initContainersByName[initContainer.Name] = initContainer;
            }
            if (IsRestartableInitContainer(initContainer))
            {
                totalContainers++;
            }
        }

        bool initializing = false;
        for (int i = 0; i < initContainerStatuses.Count; i++)
        {
            var container = initContainerStatuses[i];
            var state = container.State;
            restarts += container.RestartCount;
            lastRestartDate = Later(lastRestartDate, container.LastState?.Terminated?.FinishedAt);

            initContainersByName.TryGetValue(container.Name ?? "", out var initContainerSpec);
            bool restartable = IsRestartableInitContainer(initContainerSpec);
            if (restartable)
            {
                restartableInitContainerRestarts += container.RestartCount;
                lastRestartableInitContainerRestartDate = Later(lastRestartableInitContainerRestartDate, container.LastState?.Terminated?.FinishedAt);
            }

            if (state?.Terminated is { } completed && completed.ExitCode == 0)
            {
                continue;
            }
            if (restartable && container.Started == true)
            {
                if (container.Ready)
                {
                    readyContainers++;
                }
                continue;
            }
            if (state?.Terminated is { } terminated)
            {
                // The init container failed.
                if (string.IsNullOrEmpty(terminated.Reason))
                {
                    reason = (terminated.Signal ?? 0) != 0
                        ? $"Init:Signal:{terminated.Signal}"
                        : $"Init:ExitCode:{terminated.ExitCode}";
                }
                else
                {
                    reason = "Init:" + terminated.Reason;
                }
            }
            else if (state?.Waiting is { } waiting && !string.IsNullOrEmpty(waiting.Reason) && waiting.Reason != "PodInitializing")
            {
                reason = "Init:" + waiting.Reason;
            }
            else
            {
                reason = $"Init:{i}/{initContainerSpecs.Count}";
            }
            initializing = true;
            break;
        }

        if (!initializing || IsConditionTrue(conditions, "Initialized"))
        {
            restarts = restartableInitContainerRestarts;
            lastRestartDate = lastRestartableInitContainerRestartDate;
            bool hasRunning = false;
            // Backwards, as kubectl does, so the first container's reason wins.
            for (int i = containerStatuses.Count - 1; i >= 0; i--)
            {
                var container = containerStatuses[i];
                var state = container.State;
                restarts += container.RestartCount;
                lastRestartDate = Later(lastRestartDate, container.LastState?.Terminated?.FinishedAt);

                if (state?.Waiting is { } waiting && !string.IsNullOrEmpty(waiting.Reason))
                {
                    reason = waiting.Reason;
                }
                else if (state?.Terminated is { } terminated && !string.IsNullOrEmpty(terminated.Reason))
                {
                    reason = terminated.Reason;
                }
                else if (state?.Terminated is { } unexplained)
                {
                    reason = (unexplained.Signal ?? 0) != 0
                        ? $"Signal:{unexplained.Signal}"
                        : $"ExitCode:{unexplained.ExitCode}";
                }
                else if (container.Ready && state?.Running is not null)
                {
                    hasRunning = true;
                    readyContainers++;
                }
            }

            // A pod whose last container completed while another still runs is still running.
            if (reason == "Completed" && hasRunning)
            {
                reason = IsConditionTrue(conditions, "Ready") ? "Running" : "NotReady";
            }
        }

        if (pod.Metadata?.DeletionTimestamp is not null && status?.Reason == NodeUnreachablePodReason)
        {
            reason = "Unknown";
        }
        else if (pod.Metadata?.DeletionTimestamp is not null && podPhase != "Succeeded" && podPhase != "Failed")
        {
            reason = "Terminating";
        }

        return new PodSummary(reason, readyContainers, totalContainers, restarts, lastRestartDate);
    }

    private static bool IsRestartableInitContainer(V1Container? initContainer) =>
        initContainer?.RestartPolicy == "Always";

    // kubectl's hasPodReadyCondition / isPodInitializedConditionTrue both look at the first matching condition's status.
    private static bool IsConditionTrue(IList<V1PodCondition> conditions, string type)
    {
        foreach (var condition in conditions)
        {
            if (condition.Type == type)
            {
                return condition.Status == "True";
            }
        }
        return false;
    }

    private static DateTime? Later(DateTime? current, DateTime? candidate)
    {
        if (candidate is null || candidate.Value == default)
        {
            return current;
        }
        var candidateUtc = DurationPrinter.ToUtc(candidate.Value);
        return current is null || current.Value < candidateUtc ? candidateUtc : current;
    }
}

/// <summary>kubectl's computed pod columns: STATUS, READY as counts, RESTARTS and the last restart time.</summary>
public sealed record PodSummary(string Status, int ReadyContainers, int TotalContainers, int Restarts, DateTime? LastRestart)
{
    /// <summary>READY as kubectl prints it, e.g. "1/2".</summary>
    public string Ready => $"{ReadyContainers}/{TotalContainers}";

    /// <summary>RESTARTS as kubectl prints it: "0", "3", or "3 (5m ago)".</summary>
    public string RestartsText(DateTime utcNow) =>
        Restarts != 0 && LastRestart is not null
            ? $"{Restarts} ({DurationPrinter.Since(LastRestart, utcNow)} ago)"
            : Restarts.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
