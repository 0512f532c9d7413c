using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using PodTools.Engine.Errors;
using PodTools.Engine.Manifests;
using PodTools.Engine.Model;

namespace PodTools.Engine.Pods.Create;

/// <summary>What New-KPod's parameter set describes: one pod with one container from -Image and/or -Container specs.</summary>
public sealed class PodParameters
{
    public required string Name { get; init; }

    /// <summary>The image of a container named after the pod (as kubectl run names it); null with -Container only.</summary>
    public string? Image { get; init; }

    public IReadOnlyList<int> Ports { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = [];

    public IReadOnlyList<string>? Command { get; init; }

    public IReadOnlyList<string>? Arguments { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> Annotations { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> NodeSelector { get; init; } = [];

    public string? NodeName { get; init; }

    public string? RestartPolicy { get; init; }

    /// <summary>Further containers: <see cref="KContainerSpec"/> objects or plain maps with Kubernetes container fields.</summary>
    public IReadOnlyList<object> Containers { get; init; } = [];
}

/// <summary>
/// Turns what a user hands New-KPod (manifest files or text, a pod-shaped map, a pod to clone, parameters) into
/// <see cref="PodDraft"/>s. Everything goes through <see cref="ManifestReader"/>, so unknown or mistyped fields are
/// refused the same way for a file, a hashtable and a container spec.
/// </summary>
public static class PodDraftBuilder
{
    /// <summary>Pods of a manifest file (YAML or JSON, several documents, List); other kinds are per-object errors.</summary>
    public static DraftBatch FromManifestFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return DraftBatch.Failed(new KubeEngineException("ManifestUnreadable", KubeErrorCategory.InvalidArgument, error.Message, path, error));
        }

        return FromManifestText(text, path);
    }

    /// <summary>Pods of manifest text; <paramref name="sourceName"/> names it in errors (file:line:column).</summary>
    public static DraftBatch FromManifestText(string text, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        IReadOnlyList<ManifestObject> objects;
        try
        {
            objects = ManifestReader.Read(text, sourceName);
        }
        catch (ManifestException error)
        {
            return DraftBatch.Failed(InvalidManifest(error.Message, sourceName, error));
        }

        var drafts = new List<PodDraft>();
        var errors = new List<KubeEngineException>();
        foreach (var manifest in objects)
        {
            if (manifest.Object is V1Pod pod)
            {
                drafts.Add(new PodDraft(pod, $"{manifest.SourceName}:{manifest.Line}:{manifest.Column}",
                    new SourcePosition(sourceName, text, manifest.Line, manifest.Column)));
            }
            else
            {
                errors.Add(InvalidManifest(
                    $"{manifest.SourceName}:{manifest.Line}:{manifest.Column}: a {manifest.Kind} is not a Pod: New-KPod creates pods only",
                    sourceName));
            }
        }

        return new DraftBatch(drafts, errors);
    }

    /// <summary>
    /// A pod from an input object: a PodTools pod or a V1Pod (cloned without what the server set), or a plain map
    /// shaped like a pod (apiVersion v1 and kind Pod may be left out; a List gives several pods).
    /// </summary>
    public static DraftBatch FromInputObject(object input, string sourceName = "InputObject")
    {
        ArgumentNullException.ThrowIfNull(input);
        switch (input)
        {
            case KPod kpod:
                return DraftBatch.Of(new PodDraft(CloneForCreate(kpod.Object), $"pod '{kpod.Name}' in namespace '{kpod.Namespace}'"));
            case V1Pod pod:
                return DraftBatch.Of(new PodDraft(CloneForCreate(pod), sourceName));
            case string text:
                return FromManifestText(text, sourceName);
            case IDictionary map:
                var node = ToJsonNode(map, sourceName, depth: 0) as JsonObject ?? new JsonObject();
                if (!node.ContainsKey("kind") && !node.ContainsKey("apiVersion"))
                {
                    node["apiVersion"] = "v1";
                    node["kind"] = "Pod";
                }

                return FromManifestText(Indented(node), sourceName);
            default:
                return DraftBatch.Failed(InvalidManifest(
                    $"{sourceName}: a {input.GetType().Name} is not a pod: pass a pod object, a hashtable shaped like a pod, or manifest text",
                    sourceName));
        }
    }

    /// <summary>The pod New-KPod's parameters describe; a bad -Container spec is an InvalidManifest error naming it.</summary>
    public static DraftBatch FromParameters(PodParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var containers = new JsonArray();
        if (!string.IsNullOrEmpty(parameters.Image))
        {
            containers.Add(ToJsonNode(new KContainerSpec
            {
                Name = parameters.Name,
                Image = parameters.Image,
                Command = parameters.Command,
                Arguments = parameters.Arguments,
                Ports = parameters.Ports,
                Env = parameters.Env,
            }.ToPlain(), "-Image", 0));
        }

        for (int i = 0; i < parameters.Containers.Count; i++)
        {
            string source = $"-Container[{i}]";
            var container = parameters.Containers[i] switch
            {
                KContainerSpec containerSpec => ToJsonNode(containerSpec.ToPlain(), source, 0),
                IDictionary map => ToJsonNode(map, source, 0),
                _ => null,
            };
            if (container is not JsonObject)
            {
                return DraftBatch.Failed(InvalidManifest(
                    $"{source}: expected a container spec (New-KContainerSpec) or a hashtable with container fields, not {parameters.Containers[i]?.GetType().Name ?? "null"}",
                    source));
            }

            // Read each spec on its own so a mistyped field names the -Container entry, not a generated document.
            var single = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Pod",
                ["metadata"] = new JsonObject { ["name"] = "x" },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(container.DeepClone()) },
            };
            try
            {
                ManifestReader.Read(Indented(single), source);
            }
            catch (ManifestException error)
            {
                return DraftBatch.Failed(InvalidManifest($"{source}: {error.Detail}", source, error));
            }

            containers.Add(container);
        }

        var metadata = new JsonObject { ["name"] = parameters.Name };
        if (parameters.Labels.Count > 0)
        {
            metadata["labels"] = ToMap(parameters.Labels);
        }

        if (parameters.Annotations.Count > 0)
        {
            metadata["annotations"] = ToMap(parameters.Annotations);
        }

        var spec = new JsonObject { ["containers"] = containers };
        if (parameters.NodeSelector.Count > 0)
        {
            spec["nodeSelector"] = ToMap(parameters.NodeSelector);
        }

        if (!string.IsNullOrEmpty(parameters.NodeName))
        {
            spec["nodeName"] = parameters.NodeName;
        }

        if (!string.IsNullOrEmpty(parameters.RestartPolicy))
        {
            spec["restartPolicy"] = parameters.RestartPolicy;
        }

        var pod = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = metadata, ["spec"] = spec };
        var pods = KubernetesJson.Deserialize<V1Pod>(pod.ToJsonString());
        return DraftBatch.Of(new PodDraft(pods, "parameters"));
    }

    /// <summary>
    /// A copy of an existing pod that can be created again: no status, uid, resourceVersion, timestamps, managed
    /// fields or owner; no namespace (the caller's -Namespace decides) and no node (the scheduler decides again).
    /// </summary>
    public static V1Pod CloneForCreate(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var copy = ManifestWriter.Clean(pod);
        copy.ApiVersion ??= "v1";
        copy.Kind ??= "Pod";
        if (copy.Metadata is { } metadata)
        {
            metadata.NamespaceProperty = null;
            metadata.OwnerReferences = null;
            metadata.DeletionTimestamp = null;
            metadata.DeletionGracePeriodSeconds = null;
            metadata.Finalizers = null;
        }

        if (copy.Spec is { } spec)
        {
            spec.NodeName = null;
        }

        return copy;
    }

    private static JsonObject ToMap(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var map = new JsonObject();
        foreach (var (key, value) in pairs)
        {
            map[key] = value;
        }

        return map;
    }

    private static string Indented(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    // Plain values from the cmdlet layer (maps, lists, strings, numbers, booleans, container specs) as JSON.
    private static JsonNode? ToJsonNode(object? value, string sourceName, int depth)
    {
        if (depth > 64)
        {
            throw new KubeEngineException("InvalidManifest", KubeErrorCategory.InvalidData,
                $"{sourceName}: the object is nested too deeply to be a pod", sourceName);
        }

        switch (value)
        {
            case null:
                return null;
            case JsonNode node:
                return node.DeepClone();
            case string text:
                return JsonValue.Create(text);
            case bool flag:
                return JsonValue.Create(flag);
            case char character:
                return JsonValue.Create(character.ToString());
            case int or long or short or byte or sbyte or ushort or uint or ulong:
                return JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture));
            case float or double or decimal:
                double number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                return number == Math.Floor(number) && Math.Abs(number) < 1e15
                    ? JsonValue.Create((long)number)
                    : JsonValue.Create(number);
            case Enum enumValue:
                return JsonValue.Create(enumValue.ToString());
            case DateTime time:
                return JsonValue.Create(time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            case KContainerSpec spec:
                return ToJsonNode(spec.ToPlain(), sourceName, depth + 1);
            case IDictionary map:
                var obj = new JsonObject();
                foreach (DictionaryEntry entry in map)
                {
                    obj[Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? ""] = ToJsonNode(entry.Value, sourceName, depth + 1);
                }

                return obj;
            case IEnumerable sequence:
                var array = new JsonArray();
                foreach (object? item in sequence)
                {
                    array.Add(ToJsonNode(item, sourceName, depth + 1));
                }

                return array;
            default:
                return JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture));
        }
    }

    private static KubeEngineException InvalidManifest(string message, string target, Exception? inner = null) =>
        new("InvalidManifest", KubeErrorCategory.InvalidData, message, target, inner);
}

/// <summary>The pods read from one source, and the errors for the objects of it that could not be used.</summary>
public sealed record DraftBatch(IReadOnlyList<PodDraft> Pods, IReadOnlyList<KubeEngineException> Errors)
{
    public static DraftBatch Of(PodDraft draft) => new([draft], []);

    public static DraftBatch Failed(KubeEngineException error) => new([], [error]);
}
