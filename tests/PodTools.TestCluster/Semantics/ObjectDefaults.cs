using System.Text.Json.Nodes;

namespace PodTools.TestCluster.Semantics;

/// <summary>
/// What kube-apiserver fills in on a pod before validation and storage: the core/v1 defaulting functions plus the
/// default admission plugins a kubeadm cluster runs (ServiceAccount, DefaultTolerationSeconds, Priority).
/// Apply on create and on update bodies, so that an unchanged update compares equal.
/// </summary>
public static class ObjectDefaults
{
    public static void DefaultPod(JsonObject pod)
    {
        var spec = pod.Ensure("spec");
        SetIfMissing(spec, "restartPolicy", "Always");
        SetIfMissing(spec, "terminationGracePeriodSeconds", 30);
        SetIfMissing(spec, "dnsPolicy", "ClusterFirst");
        SetIfMissing(spec, "schedulerName", "default-scheduler");
        SetIfMissing(spec, "securityContext", new JsonObject());
        SetIfMissing(spec, "enableServiceLinks", true);
        SetIfMissing(spec, "serviceAccountName", "default");
        SetIfMissing(spec, "serviceAccount", spec.Str("serviceAccountName"));
        SetIfMissing(spec, "priority", 0);
        SetIfMissing(spec, "preemptionPolicy", "PreemptLowerPriority");
        foreach (var container in spec.Objects("containers").Concat(spec.Objects("initContainers")))
            DefaultContainer(container);
        DefaultTolerations(spec);
    }

    /// <summary>Status a new pod gets from the registry's PrepareForCreate: Pending, BestEffort when no resources are set.</summary>
    public static void InitialPodStatus(JsonObject pod)
    {
        pod["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = QosClass(pod) };
    }

    /// <summary>Guaranteed, Burstable or BestEffort from the containers' requests and limits.</summary>
    public static string QosClass(JsonObject pod)
    {
        var containers = pod.Objects("spec", "containers").Concat(pod.Objects("spec", "initContainers")).ToList();
        var anySet = false;
        var guaranteed = true;
        foreach (var container in containers)
        {
            var requests = container.StringMap("resources", "requests");
            var limits = container.StringMap("resources", "limits");
            anySet |= requests.Count > 0 || limits.Count > 0;
            foreach (var resource in new[] { "cpu", "memory" })
            {
                if (!limits.TryGetValue(resource, out var limit) || (requests.TryGetValue(resource, out var request) && request != limit))
                    guaranteed = false;
            }
        }
        return !anySet ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }

    private static void DefaultContainer(JsonObject container)
    {
        var image = container.Str("image") ?? "";
        // An image without a tag, or tagged latest, is pulled every time; others only when absent.
        var lastSegment = image[(image.LastIndexOf('/') + 1)..];
        var tag = lastSegment.Contains('@') ? "" : lastSegment.Contains(':') ? lastSegment[(lastSegment.IndexOf(':') + 1)..] : "latest";
        SetIfMissing(container, "imagePullPolicy", tag == "latest" ? "Always" : "IfNotPresent");
        SetIfMissing(container, "terminationMessagePath", "/dev/termination-log");
        SetIfMissing(container, "terminationMessagePolicy", "File");
        SetIfMissing(container, "resources", new JsonObject());
        foreach (var port in container.Objects("ports"))
            SetIfMissing(port, "protocol", "TCP");
    }

    private static void DefaultTolerations(JsonObject spec)
    {
        var tolerations = spec["tolerations"] as JsonArray ?? new JsonArray();
        foreach (var key in new[] { "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable" })
        {
            if (tolerations.OfType<JsonObject>().Any(t => t.Str("key") == key && t.Str("effect") is null or "NoExecute")) continue;
            tolerations.Add(new JsonObject
            {
                ["key"] = key, ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = 300,
            });
        }
        spec["tolerations"] = tolerations;
    }

    private static void SetIfMissing(JsonObject obj, string name, JsonNode? value)
    {
        if (obj[name] is null) obj[name] = value;
    }
}
