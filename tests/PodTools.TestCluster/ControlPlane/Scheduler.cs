using System.Text.Json.Nodes;
using PodTools.TestCluster.Semantics;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.ControlPlane;

/// <summary>
/// The default scheduler, reduced to what a node-selector cluster needs: the NodeUnschedulable, TaintToleration
/// and NodeAffinity (nodeSelector) filters in that order, the fewest-pods node among those that fit, and the
/// real scheduler's FitError message, condition and FailedScheduling event when none does. Pods that did not
/// fit are tried again whenever a node changes, or when their own spec does.
/// </summary>
internal sealed class Scheduler(ClusterStore store, ClusterClock clock)
{
    public const string Name = "default-scheduler";

    private readonly Dictionary<string, string> _attempted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _podNodes = new(StringComparer.Ordinal);
    private int _nodeGeneration;

    public void OnNodeChanged()
    {
        _nodeGeneration++;
        foreach (var pod in store.List("pods"))
            if (NeedsScheduling(pod)) TrySchedule(pod);
    }

    public void OnPodChanged(WatchEvent e)
    {
        var uid = e.Object.Str("metadata", "uid") ?? "";
        var nodeName = e.Object.Str("spec", "nodeName");
        var finished = e.Object.Str("status", "phase") is "Succeeded" or "Failed";
        if (e.Type == WatchEvent.Deleted || finished || string.IsNullOrEmpty(nodeName)) _podNodes.Remove(uid);
        else _podNodes[uid] = nodeName;
        if (e.Type == WatchEvent.Deleted)
        {
            _attempted.Remove(uid);
            return;
        }
        if (NeedsScheduling(e.Object)) TrySchedule(e.Object);
    }

    private static bool NeedsScheduling(JsonObject pod) =>
        string.IsNullOrEmpty(pod.Str("spec", "nodeName"))
        && pod.Str("metadata", "deletionTimestamp") is null
        && (pod.Str("spec", "schedulerName") ?? Name) == Name
        && pod.Str("status", "phase") is null or "Pending";

    private void TrySchedule(JsonObject eventPod)
    {
        var uid = eventPod.Str("metadata", "uid") ?? "";
        var spec = eventPod.Obj("spec") ?? new JsonObject();
        // Our own status writes come back as events: only a node change or a new spec is worth another attempt.
        var attempt = $"{_nodeGeneration}|{spec["nodeSelector"]?.ToJsonString()}|{spec["tolerations"]?.ToJsonString()}|{spec["schedulingGates"]?.ToJsonString()}|{spec["affinity"]?.ToJsonString()}";
        if (_attempted.TryGetValue(uid, out var previous) && previous == attempt) return;
        _attempted[uid] = attempt;

        var ns = eventPod.Str("metadata", "namespace");
        var name = eventPod.Str("metadata", "name") ?? "";
        var pod = store.Get("pods", ns, name);
        if (pod is null || pod.Str("metadata", "uid") != uid || !NeedsScheduling(pod)) return;

        if (pod.Arr("spec", "schedulingGates") is { Count: > 0 })
        {
            SetScheduledCondition(pod, "False", "SchedulingGated", "Scheduling is blocked due to non-empty scheduling gates");
            return;
        }

        var nodes = store.List("nodes");
        var failures = new Dictionary<string, int>(StringComparer.Ordinal);
        var feasible = new List<string>();
        foreach (var node in nodes)
        {
            var reason = FilterFailure(pod, node);
            if (reason is null) feasible.Add(node.Str("metadata", "name") ?? "");
            else failures[reason] = failures.GetValueOrDefault(reason) + 1;
        }

        if (feasible.Count == 0)
        {
            var message = FitErrorMessage(nodes.Count, failures);
            SetScheduledCondition(pod, "False", "Unschedulable", message);
            store.RecordEvent(pod, "Warning", "FailedScheduling", message, Name);
            return;
        }

        // Spread: the node with the fewest pods wins; ties go to the first by name.
        var counts = _podNodes.Values.GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());
        var chosen = feasible.OrderBy(n => counts.GetValueOrDefault(n)).ThenBy(n => n, StringComparer.Ordinal).First();
        if (Bind(pod, chosen))
        {
            _podNodes[uid] = chosen;
            store.RecordEvent(pod, "Normal", "Scheduled", $"Successfully assigned {ns}/{name} to {chosen}", Name);
        }
    }

    /// <summary>The first filter plugin that rejects the node, as its reason text; null when the pod fits.</summary>
    internal static string? FilterFailure(JsonObject pod, JsonObject node)
    {
        if (node.Bool("spec", "unschedulable") == true && !Tolerates(pod, "node.kubernetes.io/unschedulable", "", "NoSchedule"))
            return "node(s) were unschedulable";
        foreach (var (key, value, effect) in EffectiveTaints(node))
        {
            if (effect is not ("NoSchedule" or "NoExecute")) continue;
            if (!Tolerates(pod, key, value, effect)) return $"node(s) had untolerated taint {{{key}: {value}}}";
        }
        var labels = node.StringMap("metadata", "labels");
        foreach (var (key, value) in pod.StringMap("spec", "nodeSelector"))
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value) return "node(s) didn't match Pod's node affinity/selector";
        }
        return null;
    }

    // A node that is not Ready carries the not-ready taint the node lifecycle controller adds.
    private static IEnumerable<(string Key, string Value, string Effect)> EffectiveTaints(JsonObject node)
    {
        var ready = node.Objects("status", "conditions").Any(c => c.Str("type") == "Ready" && c.Str("status") == "True");
        if (!ready) yield return ("node.kubernetes.io/not-ready", "", "NoSchedule");
        foreach (var taint in node.Objects("spec", "taints"))
            yield return (taint.Str("key") ?? "", taint.Str("value") ?? "", taint.Str("effect") ?? "");
    }

    // v1 Toleration.ToleratesTaint.
    private static bool Tolerates(JsonObject pod, string key, string value, string effect) =>
        pod.Objects("spec", "tolerations").Any(t =>
        {
            var tolerationEffect = t.Str("effect") ?? "";
            if (tolerationEffect.Length > 0 && tolerationEffect != effect) return false;
            var tolerationKey = t.Str("key") ?? "";
            if (tolerationKey.Length > 0 && tolerationKey != key) return false;
            return (t.Str("operator") ?? "Equal") switch
            {
                "Exists" => true,
                "Equal" or "" => (t.Str("value") ?? "") == value,
                _ => false,
            };
        });

    /// <summary>FitError.Error(): per-reason node counts sorted as strings, then the preemption post-filter note.</summary>
    internal static string FitErrorMessage(int nodeCount, IReadOnlyDictionary<string, int> failures)
    {
        if (nodeCount == 0) return "no nodes available to schedule pods";
        var reasons = failures.Select(f => $"{f.Value} {f.Key}").Order(StringComparer.Ordinal);
        // Every filter here is UnschedulableAndUnresolvable, so preemption cannot help on any node.
        return $"0/{nodeCount} nodes are available: {string.Join(", ", reasons)}. " +
               $"preemption: 0/{nodeCount} nodes are available: {nodeCount} Preemption is not helpful for scheduling.";
    }

    private bool Bind(JsonObject pod, string nodeName) => UpdateIfUnscheduled(pod, current =>
    {
        current.Obj("spec")!["nodeName"] = nodeName;
        SetCondition(current, "True", null, null);
    });

    private void SetScheduledCondition(JsonObject pod, string status, string reason, string message) =>
        UpdateIfUnscheduled(pod, current => SetCondition(current, status, reason, message));

    // Applies the change if the pod is still this one and still waits for a node; false when it changed meanwhile.
    private bool UpdateIfUnscheduled(JsonObject pod, Action<JsonObject> change)
    {
        var uid = pod.Str("metadata", "uid");
        var changed = false;
        try
        {
            store.Update("pods", pod.Str("metadata", "namespace"), pod.Str("metadata", "name") ?? "", current =>
            {
                if (current.Str("metadata", "uid") != uid || !NeedsScheduling(current)) return null;
                change(current);
                changed = true;
                return current;
            });
        }
        catch (StatusException)
        {
            // Deleted meanwhile.
        }
        return changed;
    }

    // Sets PodScheduled, keeping lastTransitionTime when the status does not change.
    private void SetCondition(JsonObject pod, string status, string? reason, string? message)
    {
        var podStatus = pod.Ensure("status");
        var conditions = podStatus["conditions"] as JsonArray ?? new JsonArray();
        podStatus["conditions"] = conditions;
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == "PodScheduled");
        var transition = existing?.Str("status") == status ? existing.Str("lastTransitionTime") : ClusterClock.FormatTime(clock.UtcNow);
        var condition = new JsonObject { ["type"] = "PodScheduled", ["status"] = status, ["lastProbeTime"] = null, ["lastTransitionTime"] = transition };
        if (reason is not null) condition["reason"] = reason;
        if (message is not null) condition["message"] = message;
        if (existing is not null) conditions[conditions.IndexOf(existing)] = condition;
        else conditions.Add(condition);
    }
}
