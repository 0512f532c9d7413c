using System.Text.Json;
using System.Text.Json.Nodes;
using static PodTools.TestCluster.Semantics.FieldErrors;

namespace PodTools.TestCluster.Semantics;

/// <summary>
/// kube-apiserver's validation (pkg/apis/core/validation) for the kinds the test cluster serves, returning the
/// field causes of a 422 Invalid in the apiserver's order and wording. Objects are expected after defaulting
/// (see <see cref="ObjectDefaults"/>); fields defaulting fills are only checked when present.
/// </summary>
public static class ObjectValidator
{
    public const string PodUpdateForbiddenMessage =
        "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`," +
        "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations)," +
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

    private static readonly string[] RestartPolicies = ["Always", "OnFailure", "Never"];
    private static readonly string[] DnsPolicies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
    private static readonly string[] Protocols = ["SCTP", "TCP", "UDP"];
    private static readonly string[] PullPolicies = ["Always", "IfNotPresent", "Never"];
    private static readonly string[] TerminationMessagePolicies = ["File", "FallbackToLogsOnError"];
    private static readonly string[] TaintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
    private static readonly string[] TolerationOperators = ["Equal", "Exists"];

    /// <summary>The Status message of a 422: `Pod "x" is invalid: [a, b]` (one cause prints without brackets).</summary>
    public static string InvalidMessage(string kind, string name, IReadOnlyList<StatusCause> causes)
    {
        var messages = causes.Select(c => c.ToString()).Distinct().ToList();
        return messages.Count switch
        {
            0 => $"{kind} \"{name}\" is invalid",
            1 => $"{kind} \"{name}\" is invalid: {messages[0]}",
            _ => $"{kind} \"{name}\" is invalid: [{string.Join(", ", messages)}]",
        };
    }

    /// <summary>ValidatePodCreate's checks; <paramref name="isCreate"/> is false when called for an update's new object (the same checks apply).</summary>
    public static IReadOnlyList<StatusCause> ValidatePod(JsonObject pod, bool isCreate)
    {
        var causes = ValidateObjectMeta(pod, requiresNamespace: true, nameIsLabel: false);
        causes.AddRange(ValidatePodSpec(pod.Obj("spec") ?? new JsonObject(), "spec"));
        return causes;
    }

    public static IReadOnlyList<StatusCause> ValidateNamespace(JsonObject ns) =>
        ValidateObjectMeta(ns, requiresNamespace: false, nameIsLabel: true);

    public static IReadOnlyList<StatusCause> ValidateNode(JsonObject node)
    {
        var causes = ValidateObjectMeta(node, requiresNamespace: false, nameIsLabel: false);
        var i = 0;
        foreach (var taint in node.Objects("spec", "taints"))
        {
            var path = $"spec.taints[{i++}]";
            var key = taint.Str("key") ?? "";
            foreach (var message in NameRules.QualifiedName(key)) causes.Add(Invalid(path + ".key", key, message));
            var value = taint.Str("value") ?? "";
            foreach (var message in NameRules.LabelValue(value)) causes.Add(Invalid(path + ".value", value, message));
            var effect = taint.Str("effect") ?? "";
            if (effect.Length == 0) causes.Add(Required(path + ".effect"));
            else if (!TaintEffects.Contains(effect)) causes.Add(NotSupported(path + ".effect", effect, TaintEffects));
        }
        return causes;
    }

    public static IReadOnlyList<StatusCause> ValidatePodUpdate(JsonObject oldPod, JsonObject newPod)
    {
        var causes = ValidateObjectMetaUpdate(oldPod, newPod);
        causes.AddRange(ValidatePod(newPod, isCreate: false));
        var oldSpec = oldPod.Obj("spec") ?? new JsonObject();
        var newSpec = newPod.Obj("spec") ?? new JsonObject();

        var newDeadline = newSpec.Long("activeDeadlineSeconds");
        var oldDeadline = oldSpec.Long("activeDeadlineSeconds");
        if (newDeadline is { } nd && oldDeadline is { } od && od < nd)
        {
            causes.Add(Invalid("spec.activeDeadlineSeconds", nd, "must be less than or equal to previous value"));
            return causes;
        }
        if (newDeadline is null && oldDeadline is not null)
            causes.Add(Invalid("spec.activeDeadlineSeconds", null, "must not update from a positive integer to nil value"));

        causes.AddRange(ValidateOnlyAddedTolerations(oldSpec.Arr("tolerations"), newSpec.Arr("tolerations")));

        // Mask what may change, then any remaining difference is forbidden (apiserver's mungedPodSpec).
        var munged = (JsonObject)newSpec.DeepClone();
        CopyImages(munged.Arr("containers"), oldSpec.Arr("containers"));
        CopyImages(munged.Arr("initContainers"), oldSpec.Arr("initContainers"));
        CopyField(munged, oldSpec, "activeDeadlineSeconds");
        CopyField(munged, oldSpec, "tolerations");
        if (oldSpec.Long("terminationGracePeriodSeconds") < 0 && newSpec.Long("terminationGracePeriodSeconds") == 1)
            CopyField(munged, oldSpec, "terminationGracePeriodSeconds");
        var diff = SpecDiff(oldSpec, munged);
        if (diff.Count > 0)
            causes.Add(Forbidden("spec", PodUpdateForbiddenMessage + "\n" + string.Join("\n", diff)));
        return causes;
    }

    private static void CopyImages(JsonArray? target, JsonArray? source)
    {
        if (target is null || source is null || target.Count != source.Count) return;
        for (var i = 0; i < target.Count; i++)
            if (target[i] is JsonObject t && source[i] is JsonObject s) CopyField(t, s, "image");
    }

    private static void CopyField(JsonObject target, JsonObject source, string name)
    {
        if (source[name] is { } value) target[name] = value.DeepClone();
        else target.Remove(name);
    }

    // Not Go's cmp.Diff output, but the same information: which spec fields differ, old and new.
    private static List<string> SpecDiff(JsonObject oldSpec, JsonObject newSpec)
    {
        var lines = new List<string>();
        foreach (var name in oldSpec.Select(p => p.Key).Union(newSpec.Select(p => p.Key)).Order(StringComparer.Ordinal))
        {
            var before = Normalize(oldSpec[name]);
            var after = Normalize(newSpec[name]);
            if (JsonNode.DeepEquals(before, after)) continue;
            lines.Add($"  spec.{name}:\n  - {before?.ToJsonString() ?? "null"}\n  + {after?.ToJsonString() ?? "null"}");
        }
        return lines;
    }

    // apimachinery's semantic equality treats nil and empty slices and maps alike.
    private static JsonNode? Normalize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    var normalized = Normalize(value);
                    if (normalized is not null) copy[key] = normalized;
                }
                return copy.Count == 0 ? null : copy;
            case JsonArray arr:
                if (arr.Count == 0) return null;
                var list = new JsonArray();
                foreach (var item in arr) list.Add(Normalize(item) ?? new JsonObject());
                return list;
            default:
                return node?.DeepClone();
        }
    }

    private static IEnumerable<StatusCause> ValidateOnlyAddedTolerations(JsonArray? oldTolerations, JsonArray? newTolerations)
    {
        var kept = newTolerations?.Select(t => Normalize(t)).ToList() ?? [];
        foreach (var old in oldTolerations ?? [])
        {
            var normalized = Normalize(old);
            if (!kept.Any(n => JsonNode.DeepEquals(n, normalized)))
            {
                yield return Forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds");
                yield break;
            }
        }
    }

    private static List<StatusCause> ValidateObjectMetaUpdate(JsonObject oldObj, JsonObject newObj)
    {
        var causes = new List<StatusCause>();
        foreach (var field in new[] { "name", "namespace", "uid", "creationTimestamp" })
        {
            var before = oldObj.Str("metadata", field);
            var after = newObj.Str("metadata", field);
            if (before is not null && after is not null && before != after)
                causes.Add(Invalid("metadata." + field, after, "field is immutable"));
        }
        return causes;
    }

    private static List<StatusCause> ValidateObjectMeta(JsonObject obj, bool requiresNamespace, bool nameIsLabel)
    {
        var causes = new List<StatusCause>();
        var generateName = obj.Str("metadata", "generateName") ?? "";
        if (generateName.Length > 0)
            foreach (var message in NameRules.ResourceName(generateName, prefix: true, nameIsLabel))
                causes.Add(Invalid("metadata.generateName", generateName, message));
        var name = obj.Str("metadata", "name") ?? "";
        if (name.Length == 0)
            causes.Add(Required("metadata.name", "name or generateName is required"));
        else
            foreach (var message in NameRules.ResourceName(name, prefix: false, nameIsLabel))
                causes.Add(Invalid("metadata.name", name, message));
        if (requiresNamespace)
        {
            var ns = obj.Str("metadata", "namespace") ?? "";
            if (ns.Length == 0) causes.Add(Required("metadata.namespace"));
            else
                foreach (var message in NameRules.Dns1123Label(ns))
                    causes.Add(Invalid("metadata.namespace", ns, message));
        }
        causes.AddRange(ValidateLabels(obj.StringMap("metadata", "labels"), "metadata.labels"));
        causes.AddRange(ValidateAnnotations(obj.StringMap("metadata", "annotations"), "metadata.annotations"));
        return causes;
    }

    /// <summary>ValidateLabels: every key a qualified name, every value a label value; the path is the map's.</summary>
    public static IEnumerable<StatusCause> ValidateLabels(IReadOnlyDictionary<string, string> labels, string path)
    {
        foreach (var (key, value) in labels.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var message in NameRules.QualifiedName(key)) yield return Invalid(path, key, message);
            foreach (var message in NameRules.LabelValue(value)) yield return Invalid(path, value, message);
        }
    }

    /// <summary>ValidateAnnotations: keys are qualified names ignoring case; keys plus values at most 256 KiB.</summary>
    public static IEnumerable<StatusCause> ValidateAnnotations(IReadOnlyDictionary<string, string> annotations, string path)
    {
        long size = 0;
        foreach (var (key, value) in annotations.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var message in NameRules.QualifiedName(key.ToLowerInvariant())) yield return Invalid(path, key, message);
            size += System.Text.Encoding.UTF8.GetByteCount(key) + System.Text.Encoding.UTF8.GetByteCount(value);
        }
        if (size > NameRules.TotalAnnotationSizeLimitBytes) yield return TooLong(path, NameRules.TotalAnnotationSizeLimitBytes);
    }

    private static List<StatusCause> ValidatePodSpec(JsonObject spec, string path)
    {
        var causes = new List<StatusCause>();
        var containers = spec.Arr("containers");
        if (containers is null || containers.Count == 0) causes.Add(Required(path + ".containers"));
        var names = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var container in spec.Objects("containers"))
        {
            var containerPath = $"{path}.containers[{i++}]";
            causes.AddRange(ValidateContainer(container, containerPath));
            var name = container.Str("name") ?? "";
            if (!names.Add(name)) causes.Add(Duplicate(containerPath + ".name", name));
        }
        // Init container names must be unique among themselves and against the app containers.
        var initNames = new HashSet<string>(StringComparer.Ordinal);
        i = 0;
        foreach (var container in spec.Objects("initContainers"))
        {
            var containerPath = $"{path}.initContainers[{i++}]";
            causes.AddRange(ValidateContainer(container, containerPath));
            var name = container.Str("name") ?? "";
            if (names.Contains(name) || !initNames.Add(name)) causes.Add(Duplicate(containerPath + ".name", name));
        }
        CheckEnum(causes, spec, path + ".restartPolicy", "restartPolicy", RestartPolicies);
        CheckEnum(causes, spec, path + ".dnsPolicy", "dnsPolicy", DnsPolicies);
        causes.AddRange(ValidateLabels(spec.StringMap("nodeSelector"), path + ".nodeSelector"));
        if (spec.Str("serviceAccountName") is { Length: > 0 } serviceAccount)
            foreach (var message in NameRules.Dns1123Subdomain(serviceAccount)) causes.Add(Invalid(path + ".serviceAccountName", serviceAccount, message));
        if (spec.Str("nodeName") is { Length: > 0 } nodeName)
            foreach (var message in NameRules.Dns1123Subdomain(nodeName)) causes.Add(Invalid(path + ".nodeName", nodeName, message));
        if (spec.Long("activeDeadlineSeconds") is { } deadline && deadline is < 1 or > int.MaxValue)
            causes.Add(Invalid(path + ".activeDeadlineSeconds", deadline, NameRules.InclusiveRangeError(1, int.MaxValue)));
        if (spec.Long("terminationGracePeriodSeconds") is { } grace && grace < 0)
            causes.Add(Invalid(path + ".terminationGracePeriodSeconds", grace, "must be greater than or equal to 0"));
        i = 0;
        foreach (var toleration in spec.Objects("tolerations"))
            causes.AddRange(ValidateToleration(toleration, $"{path}.tolerations[{i++}]"));
        return causes;
    }

    private static IEnumerable<StatusCause> ValidateToleration(JsonObject toleration, string path)
    {
        var key = toleration.Str("key") ?? "";
        if (key.Length > 0)
            foreach (var message in NameRules.QualifiedName(key)) yield return Invalid(path + ".key", key, message);
        var op = toleration.Str("operator") ?? "";
        if (key.Length == 0 && op != "Exists")
            yield return Invalid(path + ".operator", op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\"");
        if (op.Length > 0 && !TolerationOperators.Contains(op))
            yield return NotSupported(path + ".operator", op, TolerationOperators);
        if (toleration.Str("effect") is { Length: > 0 } effect && !TaintEffects.Contains(effect))
            yield return NotSupported(path + ".effect", effect, TaintEffects);
    }

    private static List<StatusCause> ValidateContainer(JsonObject container, string path)
    {
        var causes = new List<StatusCause>();
        var name = container.Str("name") ?? "";
        if (name.Length == 0) causes.Add(Required(path + ".name"));
        else foreach (var message in NameRules.Dns1123Label(name)) causes.Add(Invalid(path + ".name", name, message));
        if ((container.Str("image") ?? "").Length == 0) causes.Add(Required(path + ".image"));
        CheckEnum(causes, container, path + ".terminationMessagePolicy", "terminationMessagePolicy", TerminationMessagePolicies);

        var portNames = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var port in container.Objects("ports"))
        {
            var portPath = $"{path}.ports[{i++}]";
            if (port.Str("name") is { Length: > 0 } portName)
            {
                var messages = NameRules.PortName(portName);
                foreach (var message in messages) causes.Add(Invalid(portPath + ".name", portName, message));
                if (messages.Count == 0 && !portNames.Add(portName)) causes.Add(Duplicate(portPath + ".name", portName));
            }
            var containerPort = port.Long("containerPort") ?? 0;
            if (containerPort == 0) causes.Add(Required(portPath + ".containerPort"));
            else foreach (var message in NameRules.PortNumber(containerPort)) causes.Add(Invalid(portPath + ".containerPort", containerPort, message));
            if (port.Long("hostPort") is { } hostPort and not 0)
                foreach (var message in NameRules.PortNumber(hostPort)) causes.Add(Invalid(portPath + ".hostPort", hostPort, message));
            CheckEnum(causes, port, portPath + ".protocol", "protocol", Protocols);
        }

        i = 0;
        foreach (var env in container.Objects("env"))
        {
            var envPath = $"{path}.env[{i++}]";
            var envName = env.Str("name") ?? "";
            if (envName.Length == 0) causes.Add(Required(envPath + ".name"));
            else foreach (var message in NameRules.EnvVarName(envName)) causes.Add(Invalid(envPath + ".name", envName, message));
        }
        CheckEnum(causes, container, path + ".imagePullPolicy", "imagePullPolicy", PullPolicies);
        return causes;
    }

    // An enumerated field: absent is left to defaulting, empty is Required, anything else must be listed.
    private static void CheckEnum(List<StatusCause> causes, JsonObject obj, string path, string field, string[] supported)
    {
        if (obj[field] is not JsonValue value || value.GetValueKind() != JsonValueKind.String) return;
        var text = value.GetValue<string>();
        if (text.Length == 0) causes.Add(Required(path));
        else if (!supported.Contains(text)) causes.Add(NotSupported(path, text, supported));
    }
}
