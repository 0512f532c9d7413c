using System.Globalization;
using System.Text.Json.Nodes;

namespace PodTools.TestCluster.Semantics;

/// <summary>
/// Server-side printing (pkg/printers/internalversion): a meta.k8s.io/v1 Table with kube-apiserver's column
/// definitions and cells. Like the apiserver it always fills the wide (priority 1) cells; kubectl hides them
/// unless asked for -o wide.
/// </summary>
public static class TableConverter
{
    private const string NameDescription = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
    private const string AgeDescription = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

    private sealed record Column(string Name, string Description, int Priority = 0, string Format = "", string Type = "string");

    private static readonly Column[] PodColumns =
    [
        new("Name", NameDescription, Format: "name"),
        new("Ready", "The aggregate readiness state of this pod for accepting traffic."),
        new("Status", "The aggregate status of the containers in this pod."),
        new("Restarts", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
        new("Age", AgeDescription),
        new("IP", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
        new("Node", "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename", 1),
        new("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.", 1),
        new("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates", 1),
    ];

    private static readonly Column[] NodeColumns =
    [
        new("Name", NameDescription, Format: "name"),
        new("Status", "The status of the node"),
        new("Roles", "The roles of the node"),
        new("Age", AgeDescription),
        new("Version", "Kubelet Version reported by the node."),
        new("Internal-IP", "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).", 1),
        new("External-IP", "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).", 1),
        new("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1),
        new("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
        new("Container-Runtime", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1),
    ];

    private static readonly Column[] NamespaceColumns =
    [
        new("Name", NameDescription, Format: "name"),
        new("Status", "The status of the namespace"),
        new("Age", AgeDescription),
    ];

    private static readonly Column[] EventColumns =
    [
        new("Last Seen", "The time at which the most recent occurrence of this event was recorded."),
        new("Type", "Type of this event (Normal, Warning), new types could be added in the future"),
        new("Reason", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
        new("Object", "The object that this event is about."),
        new("Subobject", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.", 1),
        new("Source", "The component reporting this event. Should be a short machine understandable string.", 1),
        new("Message", "A human-readable description of the status of this operation."),
        new("First Seen", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", 1),
        new("Count", "The number of times this event has occurred.", 1),
        new("Name", NameDescription, 1, "name"),
    ];

    /// <summary>True for the kinds this converter prints (Pod, Node, Namespace, Event).</summary>
    public static bool Supports(string kind) => kind is "Pod" or "Node" or "Namespace" or "Event";

    public static JsonObject ToTable(string kind, IEnumerable<JsonObject> items, JsonObject listMeta, DateTime utcNow, bool includeObject)
    {
        var (columns, cells) = kind switch
        {
            "Pod" => (PodColumns, (Func<JsonObject, DateTime, List<object?>>)PodCells),
            "Node" => (NodeColumns, NodeCells),
            "Namespace" => (NamespaceColumns, NamespaceCells),
            "Event" => (EventColumns, EventCells),
            _ => throw new ArgumentException($"no table printer for kind {kind}", nameof(kind)),
        };
        var rows = new JsonArray();
        foreach (var item in items)
        {
            var row = new JsonObject { ["cells"] = new JsonArray(cells(item, utcNow).Select(ToNode).ToArray()) };
            if (kind == "Pod" && item.Str("status", "phase") is "Succeeded" or "Failed")
            {
                var succeeded = item.Str("status", "phase") == "Succeeded";
                row["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Completed", ["status"] = "True",
                    ["reason"] = succeeded ? "Succeeded" : "Failed",
                    ["message"] = succeeded ? "The pod has completed successfully." : "The pod failed.",
                });
            }
            row["object"] = includeObject ? item.DeepClone() : PartialObjectMetadata(item);
            rows.Add(row);
        }
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = listMeta.DeepClone(),
            ["columnDefinitions"] = new JsonArray(columns.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name, ["type"] = c.Type, ["format"] = c.Format, ["description"] = c.Description, ["priority"] = c.Priority,
            }).ToArray()),
            ["rows"] = rows,
        };
    }

    /// <summary>An object reduced to its metadata, kind PartialObjectMetadata (as=PartialObjectMetadata, Table rows).</summary>
    public static JsonObject PartialObjectMetadata(JsonObject item) => new()
    {
        ["kind"] = "PartialObjectMetadata",
        ["apiVersion"] = "meta.k8s.io/v1",
        ["metadata"] = item["metadata"]?.DeepClone() ?? new JsonObject(),
    };

    private static JsonNode? ToNode(object? cell) => cell switch
    {
        null => null,
        string s => JsonValue.Create(s),
        long l => JsonValue.Create(l),
        int i => JsonValue.Create(i),
        _ => JsonValue.Create(cell.ToString()),
    };

    private static List<object?> PodCells(JsonObject pod, DateTime now)
    {
        var summary = PodPrinting.Summarize(pod, now);
        var podIp = pod.Objects("status", "podIPs").Select(p => p.Str("ip")).FirstOrDefault() ?? "";
        var readinessGates = "<none>";
        var gates = pod.Objects("spec", "readinessGates").ToList();
        if (gates.Count > 0)
        {
            var conditions = pod.Objects("status", "conditions").ToList();
            var trueCount = gates.Count(g => conditions.FirstOrDefault(c => c.Str("type") == g.Str("conditionType"))?.Str("status") == "True");
            readinessGates = $"{trueCount}/{gates.Count}";
        }
        return
        [
            pod.Str("metadata", "name") ?? "", summary.Ready, summary.Status, summary.Restarts, Age(pod, now),
            NoneIfEmpty(podIp), NoneIfEmpty(pod.Str("spec", "nodeName")), NoneIfEmpty(pod.Str("status", "nominatedNodeName")), readinessGates,
        ];
    }

    private static List<object?> NodeCells(JsonObject node, DateTime now)
    {
        var status = new List<string>();
        if (node.Objects("status", "conditions").LastOrDefault(c => c.Str("type") == "Ready") is { } ready)
            status.Add(ready.Str("status") == "True" ? "Ready" : "NotReady");
        if (status.Count == 0) status.Add("Unknown");
        if (node.Bool("spec", "unschedulable") == true) status.Add("SchedulingDisabled");

        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in node.StringMap("metadata", "labels"))
        {
            if (key.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal) && key.Length > "node-role.kubernetes.io/".Length)
                roles.Add(key["node-role.kubernetes.io/".Length..]);
            else if (key == "kubernetes.io/role" && value.Length > 0)
                roles.Add(value);
        }
        string Address(string type) => node.Objects("status", "addresses").FirstOrDefault(a => a.Str("type") == type)?.Str("address") ?? "<none>";
        string Info(string field) => node.Str("status", "nodeInfo", field) is { Length: > 0 } v ? v : "<unknown>";
        return
        [
            node.Str("metadata", "name") ?? "", string.Join(",", status), roles.Count == 0 ? "<none>" : string.Join(",", roles),
            Age(node, now), node.Str("status", "nodeInfo", "kubeletVersion") ?? "",
            Address("InternalIP"), Address("ExternalIP"), Info("osImage"), Info("kernelVersion"), Info("containerRuntimeVersion"),
        ];
    }

    private static List<object?> NamespaceCells(JsonObject ns, DateTime now) =>
        [ns.Str("metadata", "name") ?? "", ns.Str("status", "phase") ?? "", Age(ns, now)];

    private static List<object?> EventCells(JsonObject ev, DateTime now)
    {
        var first = Since(ev.Str("firstTimestamp") ?? ev.Str("eventTime"), now);
        var last = ev.Str("lastTimestamp") is { } lastText ? Since(lastText, now) : first;
        var count = ev.Long("count") ?? 0;
        if (ev.Obj("series") is { } series)
        {
            last = Since(series.Str("lastObservedTime"), now);
            count = series.Long("count") ?? 0;
        }
        else if (count == 0) count = 1;
        var kind = (ev.Str("involvedObject", "kind") ?? "").ToLowerInvariant();
        var target = ev.Str("involvedObject", "name") is { Length: > 0 } involved ? $"{kind}/{involved}" : kind;
        return
        [
            last, ev.Str("type") ?? "", ev.Str("reason") ?? "", target, ev.Str("involvedObject", "fieldPath") ?? "",
            EventSource(ev), (ev.Str("message") ?? "").Trim(), first, count, ev.Str("metadata", "name") ?? "",
        ];
    }

    // formatEventSource: "component, host" from source, else the reporting controller and instance.
    private static string EventSource(JsonObject ev)
    {
        var component = ev.Str("source", "component") ?? "";
        var host = ev.Str("source", "host") ?? "";
        if (component.Length == 0)
        {
            component = ev.Str("reportingComponent") ?? "";
            host = ev.Str("reportingInstance") ?? "";
        }
        return host.Length == 0 ? component : $"{component}, {host}";
    }

    private static string NoneIfEmpty(string? value) => string.IsNullOrEmpty(value) ? "<none>" : value;

    private static string Age(JsonObject obj, DateTime now) => Since(obj.Str("metadata", "creationTimestamp"), now);

    /// <summary>translateTimestampSince: "&lt;unknown&gt;" for no timestamp, else HumanDuration of the time since.</summary>
    internal static string Since(string? timestamp, DateTime now) =>
        DateTime.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)
            ? HumanDuration.Format(now - at)
            : "<unknown>";
}

/// <summary>apimachinery's duration.HumanDuration ("5m", "2d3h", "<invalid>").</summary>
public static class HumanDuration
{
    public static string Format(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        // Up to two seconds in the future reads as now, to tolerate clock skew.
        if (seconds < -1) return "<invalid>";
        if (seconds < 0) return "0s";
        if (seconds < 60 * 2) return $"{seconds}s";
        var minutes = (long)d.TotalMinutes;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? $"{minutes}m" : $"{minutes}m{s}s";
        }
        if (minutes < 60 * 3) return $"{minutes}m";
        var hours = (long)d.TotalHours;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? $"{hours}h" : $"{hours}h{m}m";
        }
        if (hours < 48) return $"{hours}h";
        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? $"{hours / 24}d" : $"{hours / 24}d{h}h";
        }
        if (hours < 24 * 365 * 2) return $"{hours / 24}d";
        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{dy}d";
        }
        return $"{hours / 24 / 365}y";
    }
}
