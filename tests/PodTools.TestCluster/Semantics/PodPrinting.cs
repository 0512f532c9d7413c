using System.Globalization;
using System.Text.Json.Nodes;

namespace PodTools.TestCluster.Semantics;

/// <summary>The Ready, Status and Restarts cells of printers.go's printPod, case for case.</summary>
public static class PodPrinting
{
    public sealed record Summary(string Ready, string Status, string Restarts);

    public static Summary Summarize(JsonObject pod, DateTime utcNow)
    {
        var restarts = 0L;
        var restartableInitRestarts = 0L;
        var totalContainers = pod.Arr("spec", "containers")?.Count ?? 0;
        var readyContainers = 0;
        DateTime? lastRestart = null;
        DateTime? lastRestartableInitRestart = null;

        var phase = pod.Str("status", "phase") ?? "";
        var reason = pod.Str("status", "reason") is { Length: > 0 } statusReason ? statusReason : phase;
        if (pod.Objects("status", "conditions").Any(c => c.Str("type") == "PodScheduled" && c.Str("reason") == "SchedulingGated"))
            reason = "SchedulingGated";

        var initContainers = pod.Objects("spec", "initContainers").ToList();
        var restartableInit = initContainers.Where(c => c.Str("restartPolicy") == "Always").Select(c => c.Str("name")).ToHashSet();
        totalContainers += restartableInit.Count;

        var initializing = false;
        var index = 0;
        foreach (var container in pod.Objects("status", "initContainerStatuses"))
        {
            var i = index++;
            var count = container.Long("restartCount") ?? 0;
            restarts += count;
            var finishedAt = Time(container.Str("lastState", "terminated", "finishedAt"));
            lastRestart = Later(lastRestart, finishedAt);
            var isRestartable = restartableInit.Contains(container.Str("name"));
            if (isRestartable)
            {
                restartableInitRestarts += count;
                lastRestartableInitRestart = Later(lastRestartableInitRestart, finishedAt);
            }
            var terminated = container.Obj("state", "terminated");
            var waitingReason = container.Str("state", "waiting", "reason") ?? "";
            if (terminated is not null && (terminated.Long("exitCode") ?? 0) == 0)
                continue;
            if (isRestartable && container.Bool("started") == true)
            {
                if (container.Bool("ready") == true) readyContainers++;
                continue;
            }
            if (terminated is not null)
                reason = "Init:" + TerminatedReason(terminated);
            else if (waitingReason.Length > 0 && waitingReason != "PodInitializing")
                reason = "Init:" + waitingReason;
            else
                reason = $"Init:{i}/{initContainers.Count}";
            initializing = true;
            break;
        }

        var initializedTrue = pod.Objects("status", "conditions").Any(c => c.Str("type") == "Initialized" && c.Str("status") == "True");
        if (!initializing || initializedTrue)
        {
            restarts = restartableInitRestarts;
            lastRestart = lastRestartableInitRestart;
            var hasRunning = false;
            var statuses = pod.Objects("status", "containerStatuses").ToList();
            for (var i = statuses.Count - 1; i >= 0; i--)
            {
                var container = statuses[i];
                restarts += container.Long("restartCount") ?? 0;
                lastRestart = Later(lastRestart, Time(container.Str("lastState", "terminated", "finishedAt")));
                var terminated = container.Obj("state", "terminated");
                if (container.Str("state", "waiting", "reason") is { Length: > 0 } waiting)
                    reason = waiting;
                else if (terminated is not null)
                    reason = TerminatedReason(terminated);
                else if (container.Bool("ready") == true && container.Obj("state", "running") is not null)
                {
                    hasRunning = true;
                    readyContainers++;
                }
            }
            // A completed container next to a running one reads Running (or NotReady), not Completed.
            if (reason == "Completed" && hasRunning)
                reason = pod.Objects("status", "conditions").Any(c => c.Str("type") == "Ready" && c.Str("status") == "True") ? "Running" : "NotReady";
        }

        var deleting = pod.Str("metadata", "deletionTimestamp") is not null;
        if (deleting && pod.Str("status", "reason") == "NodeLost")
            reason = "Unknown";
        else if (deleting && phase is not ("Succeeded" or "Failed"))
            reason = "Terminating";

        var restartsText = restarts.ToString(CultureInfo.InvariantCulture);
        if (restarts != 0 && lastRestart is { } at)
            restartsText = $"{restarts} ({HumanDuration.Format(utcNow - at)} ago)";
        return new Summary($"{readyContainers}/{totalContainers}", reason, restartsText);
    }

    private static string TerminatedReason(JsonObject terminated)
    {
        if (terminated.Str("reason") is { Length: > 0 } reason) return reason;
        var signal = terminated.Long("signal") ?? 0;
        return signal != 0 ? $"Signal:{signal}" : $"ExitCode:{terminated.Long("exitCode") ?? 0}";
    }

    private static DateTime? Time(string? text) =>
        DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    private static DateTime? Later(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : (a > b ? a : b);
}
