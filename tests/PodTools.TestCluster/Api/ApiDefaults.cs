using System.Text.Json.Nodes;

namespace PodTools.TestCluster.Api;

/// <summary>
/// What kube-apiserver fills in on create: the v1 defaulting functions plus the default admission plugins
/// (ServiceAccount, DefaultTolerationSeconds, Priority) for pods, and NamespaceLifecycle's namespace fields.
/// </summary>
internal static class ApiDefaults
{
    public static void ApplyToPod(JsonObject pod)
    {
        var spec = pod["spec"] as JsonObject;
        if (spec is null) pod["spec"] = spec = new JsonObject();
        SetIfMissing(spec, "restartPolicy", "Always");
        SetIfMissing(spec, "terminationGracePeriodSeconds", 30);
        SetIfMissing(spec, "dnsPolicy", "ClusterFirst");
        SetIfMissing(spec, "serviceAccountName", "default");
        SetIfMissing(spec, "serviceAccount", (string?)spec["serviceAccountName"]);
        SetIfMissing(spec, "securityContext", new JsonObject());
        SetIfMissing(spec, "schedulerName", "default-scheduler");
        SetIfMissing(spec, "enableServiceLinks", true);
        SetIfMissing(spec, "priority", 0);
        SetIfMissing(spec, "preemptionPolicy", "PreemptLowerPriority");
        AddDefaultTolerations(spec);

        var containers = Containers(spec, "initContainers").Concat(Containers(spec, "containers")).ToList();
        foreach (var container in containers) DefaultContainer(container);

        // Clients cannot set status on create; the kubelet owns it.
        pod["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = QosClass(containers) };
    }

    public static void ApplyToNamespace(JsonObject ns)
    {
        var metadata = ns["metadata"] as JsonObject ?? new JsonObject();
        ns["metadata"] = metadata;
        var labels = metadata["labels"] as JsonObject;
        if (labels is null) metadata["labels"] = labels = new JsonObject();
        // Since v1.21 the API server labels every namespace with its own name.
        if ((string?)metadata["name"] is { Length: > 0 } name) labels["kubernetes.io/metadata.name"] = name;
        ns["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
        ns["status"] = new JsonObject { ["phase"] = "Active" };
    }

    private static IEnumerable<JsonObject> Containers(JsonObject spec, string field) =>
        (spec[field] as JsonArray)?.OfType<JsonObject>() ?? [];

    private static void DefaultContainer(JsonObject container)
    {
        var image = (string?)container["image"] ?? "";
        SetIfMissing(container, "imagePullPolicy", ImageTag(image) is null or "latest" ? "Always" : "IfNotPresent");
        SetIfMissing(container, "terminationMessagePath", "/dev/termination-log");
        SetIfMissing(container, "terminationMessagePolicy", "File");
        SetIfMissing(container, "resources", new JsonObject());
        if (container["resources"] is JsonObject resources && resources["limits"] is JsonObject limits)
        {
            // Requests default to limits (v1 SetDefaults_ResourceRequirements semantics for containers).
            var requests = resources["requests"] as JsonObject;
            if (requests is null) resources["requests"] = requests = new JsonObject();
            foreach (var (key, value) in limits) SetIfMissing(requests, key, value?.DeepClone());
        }
        foreach (var port in (container["ports"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            SetIfMissing(port, "protocol", "TCP");
        }
    }

    private static string? ImageTag(string image)
    {
        if (image.Contains('@')) return "digest";
        var lastSlash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > lastSlash ? image[(colon + 1)..] : null;
    }

    private static void AddDefaultTolerations(JsonObject spec)
    {
        var tolerations = spec["tolerations"] as JsonArray;
        if (tolerations is null) spec["tolerations"] = tolerations = new JsonArray();
        foreach (var key in new[] { "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable" })
        {
            var present = tolerations.OfType<JsonObject>().Any(t =>
                ((string?)t["key"] == key || (string?)t["key"] is null or "" && (string?)t["operator"] == "Exists")
                && (string?)t["effect"] is null or "" or "NoExecute");
            if (!present)
            {
                tolerations.Add(new JsonObject
                {
                    ["key"] = key,
                    ["operator"] = "Exists",
                    ["effect"] = "NoExecute",
                    ["tolerationSeconds"] = 300,
                });
            }
        }
    }

    private static string QosClass(IReadOnlyList<JsonObject> containers)
    {
        var anySet = false;
        var guaranteed = true;
        foreach (var container in containers)
        {
            var requests = container["resources"]?["requests"] as JsonObject;
            var limits = container["resources"]?["limits"] as JsonObject;
            if (requests?.Count > 0 || limits?.Count > 0) anySet = true;
            foreach (var resource in new[] { "cpu", "memory" })
            {
                var limit = (string?)limits?[resource]?.ToString();
                var request = (string?)requests?[resource]?.ToString();
                if (limit is null || request != limit) guaranteed = false;
            }
        }
        return !anySet ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }

    private static void SetIfMissing(JsonObject obj, string key, JsonNode? value)
    {
        if (obj[key] is null) obj[key] = value;
    }
}
