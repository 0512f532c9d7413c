using System.Text.Json.Nodes;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Api;

/// <summary>
/// Server-side field validation (fieldValidation=Strict|Warn|Ignore) for the levels where typos happen: the object,
/// metadata, the pod spec and its containers, and the namespace and node specs. Deeper structs (probes, volumes,
/// affinity...) are not checked, so an unknown field there passes silently where a real server would object.
/// </summary>
internal static class UnknownFields
{
    private static readonly HashSet<string> TopLevel = ["apiVersion", "kind", "metadata", "spec", "status"];
    private static readonly HashSet<string> EventFields =
    [
        "apiVersion", "kind", "metadata", "involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp",
        "count", "type", "eventTime", "series", "action", "related", "reportingComponent", "reportingInstance",
    ];
    private static readonly HashSet<string> ObjectMeta =
    [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
    ];
    private static readonly HashSet<string> PodSpec =
    [
        "volumes", "initContainers", "containers", "ephemeralContainers", "restartPolicy", "terminationGracePeriodSeconds",
        "activeDeadlineSeconds", "dnsPolicy", "nodeSelector", "serviceAccountName", "serviceAccount",
        "automountServiceAccountToken", "nodeName", "hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace",
        "securityContext", "imagePullSecrets", "hostname", "subdomain", "affinity", "schedulerName", "tolerations",
        "hostAliases", "priorityClassName", "priority", "dnsConfig", "readinessGates", "runtimeClassName",
        "enableServiceLinks", "preemptionPolicy", "overhead", "topologySpreadConstraints", "setHostnameAsFQDN", "os",
        "hostUsers", "schedulingGates", "resourceClaims", "resources",
    ];
    private static readonly HashSet<string> Container =
    [
        "name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources", "resizePolicy",
        "restartPolicy", "volumeMounts", "volumeDevices", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle",
        "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty",
    ];
    private static readonly HashSet<string> EphemeralContainer = [.. Container, "targetContainerName"];
    private static readonly HashSet<string> NamespaceSpec = ["finalizers"];
    private static readonly HashSet<string> NodeSpec = ["podCIDR", "podCIDRs", "providerID", "unschedulable", "taints", "configSource", "externalID"];

    /// <summary>
    /// Applies the request's fieldValidation directive: Strict (kubectl's default) refuses unknown fields with
    /// 400, Warn (the default) reports them in Warning headers, Ignore does nothing.
    /// </summary>
    public static void Check(Microsoft.AspNetCore.Http.HttpContext context, ResourceType type, JsonObject obj)
    {
        var directive = context.Request.Query["fieldValidation"].ToString();
        if (directive.Length == 0) directive = "Warn";
        if (directive is not ("Strict" or "Warn" or "Ignore"))
        {
            throw StatusException.BadRequest($"fieldValidation parameter unsupported: {directive}");
        }
        if (directive == "Ignore") return;
        var unknown = Find(type, obj);
        if (unknown.Count == 0) return;
        if (directive == "Strict")
        {
            var errors = string.Join(", ", unknown.Select(f => $"unknown field \"{f}\""));
            throw StatusException.BadRequest($"{type.Kind} in version \"v1\" cannot be handled as a {type.Kind}: strict decoding error: {errors}");
        }
        foreach (var field in unknown)
        {
            context.Response.Headers.Append("Warning", $"299 - \"unknown field \\\"{field}\\\"\"");
        }
    }

    public static List<string> Find(ResourceType type, JsonObject obj)
    {
        var unknown = new List<string>();
        var isEvent = ReferenceEquals(type, ResourceTypes.Events);
        Check(obj, isEvent ? EventFields : TopLevel, "", unknown);
        Check(obj["metadata"] as JsonObject, ObjectMeta, "metadata.", unknown);
        var spec = obj["spec"] as JsonObject;
        if (ReferenceEquals(type, ResourceTypes.Pods))
        {
            Check(spec, PodSpec, "spec.", unknown);
            foreach (var (list, fields) in new[] { ("initContainers", Container), ("containers", Container), ("ephemeralContainers", EphemeralContainer) })
            {
                var index = 0;
                foreach (var container in (spec?[list] as JsonArray) ?? [])
                {
                    Check(container as JsonObject, fields, $"spec.{list}[{index++}].", unknown);
                }
            }
        }
        else if (ReferenceEquals(type, ResourceTypes.Namespaces))
        {
            Check(spec, NamespaceSpec, "spec.", unknown);
        }
        else if (ReferenceEquals(type, ResourceTypes.Nodes))
        {
            Check(spec, NodeSpec, "spec.", unknown);
        }
        return unknown;
    }

    private static void Check(JsonObject? obj, HashSet<string> known, string prefix, List<string> unknown)
    {
        if (obj is null) return;
        foreach (var (key, _) in obj)
        {
            if (!known.Contains(key)) unknown.Add(prefix + key);
        }
    }
}
