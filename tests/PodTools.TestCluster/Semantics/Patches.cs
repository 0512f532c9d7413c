using System.Text.Json;
using System.Text.Json.Nodes;

namespace PodTools.TestCluster.Semantics;

/// <summary>A patch the apiserver refuses; StatusCode is what it answers (400 bad patch, 422 failed JSON patch op, 500 as it does for a list item without its merge key).</summary>
public sealed class PatchException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}

/// <summary>
/// The three patch types kube-apiserver applies: JSON merge patch (RFC 7386), strategic merge patch (with the
/// core/v1 merge keys and the $patch, $retainKeys, $deleteFromPrimitiveList and $setElementOrder directives),
/// and JSON patch (RFC 6902). The original is not modified; the caller validates the result.
/// </summary>
public static class Patches
{
    public const string MergePatch = "application/merge-patch+json";
    public const string StrategicMergePatch = "application/strategic-merge-patch+json";
    public const string JsonPatch = "application/json-patch+json";

    /// <summary>True for the media types <see cref="Apply"/> understands (parameters after ';' ignored).</summary>
    public static bool IsSupported(string contentType) =>
        MediaType(contentType) is MergePatch or StrategicMergePatch or JsonPatch;

    public static JsonObject Apply(JsonObject original, string contentType, string body)
    {
        var target = (JsonObject)original.DeepClone();
        switch (MediaType(contentType))
        {
            case MergePatch:
                if (ParseBody(body) is not JsonObject mergePatch) throw new PatchException(400, "Invalid JSON Patch");
                return (JsonObject)MergePatchValue(target, mergePatch)!;
            case StrategicMergePatch:
                if (ParseBody(body) is not JsonObject strategicPatch)
                    throw new PatchException(400, "json: cannot unmarshal " + DescribeKind(ParseBody(body)) + " into Go value of type map[string]interface {}");
                return StrategicMerge.MergeMap(target, strategicPatch, "");
            case JsonPatch:
                if (ParseBody(body) is not JsonArray operations)
                    throw new PatchException(400, "json: cannot unmarshal " + DescribeKind(ParseBody(body)) + " into Go value of type jsonpatch.Patch");
                return JsonPatchOps.Apply(target, operations);
            default:
                throw new PatchException(415, $"the body of the request was in an unknown format - accepted media types include: {JsonPatch}, {MergePatch}, {StrategicMergePatch}");
        }
    }

    private static string MediaType(string contentType) => contentType.Split(';')[0].Trim().ToLowerInvariant();

    private static JsonNode? ParseBody(string body)
    {
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            throw new PatchException(400, "error decoding patch: " + e.Message);
        }
    }

    private static string DescribeKind(JsonNode? node) => node switch
    {
        JsonArray => "array",
        JsonObject => "object",
        null => "null",
        _ => node.GetValueKind() switch { JsonValueKind.String => "string", JsonValueKind.Number => "number", _ => "bool" },
    };

    // RFC 7386.
    private static JsonNode? MergePatchValue(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject) return patch?.DeepClone();
        var result = target as JsonObject ?? new JsonObject();
        foreach (var (name, value) in patchObject)
        {
            if (value is null) result.Remove(name);
            else result[name] = MergePatchValue(result[name]?.DeepClone(), value);
        }
        return result;
    }

    private static class StrategicMerge
    {
        private const string Directive = "$patch";
        private const string RetainKeys = "$retainKeys";
        private const string DeleteFromPrimitiveList = "$deleteFromPrimitiveList/";
        private const string SetElementOrder = "$setElementOrder/";

        private enum ListKind { Replace, MergePrimitives, MergeByKey }

        private static readonly HashSet<string> ContainerLists = ["spec.containers", "spec.initContainers", "spec.ephemeralContainers"];

        private static readonly Dictionary<string, string> ContainerListKeys = new(StringComparer.Ordinal)
        {
            ["ports"] = "containerPort", ["env"] = "name", ["volumeMounts"] = "mountPath", ["volumeDevices"] = "devicePath",
        };

        // core/v1 patchStrategy=merge fields and their patchMergeKey; every other list is replaced whole.
        private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
        {
            ["metadata.ownerReferences"] = "uid",
            ["spec.containers"] = "name", ["spec.initContainers"] = "name", ["spec.ephemeralContainers"] = "name",
            ["spec.volumes"] = "name", ["spec.imagePullSecrets"] = "name", ["spec.hostAliases"] = "ip",
            ["spec.topologySpreadConstraints"] = "topologyKey", ["spec.schedulingGates"] = "name", ["spec.resourceClaims"] = "name",
            ["status.conditions"] = "type", ["status.podIPs"] = "ip", ["status.hostIPs"] = "ip", ["status.addresses"] = "type",
        };

        private static readonly HashSet<string> PrimitiveMergeLists = ["metadata.finalizers", "spec.podCIDRs"];

        private static (ListKind Kind, string? Key) ListStrategy(string path)
        {
            if (PrimitiveMergeLists.Contains(path)) return (ListKind.MergePrimitives, null);
            if (MergeKeys.TryGetValue(path, out var key)) return (ListKind.MergeByKey, key);
            var dot = path.LastIndexOf('.');
            if (dot > 0 && ContainerLists.Contains(path[..dot]) && ContainerListKeys.TryGetValue(path[(dot + 1)..], out key))
                return (ListKind.MergeByKey, key);
            return (ListKind.Replace, null);
        }

        private static string Child(string path, string name) => path.Length == 0 ? name : path + "." + name;

        public static JsonObject MergeMap(JsonObject original, JsonObject patch, string path)
        {
            if (patch[Directive] is { } directive)
            {
                switch (directive.GetValueKind() == JsonValueKind.String ? directive.GetValue<string>() : "")
                {
                    case "replace":
                        return (JsonObject)StripDirectives(patch)!;
                    case "delete":
                        return new JsonObject();
                    default:
                        throw new PatchException(400, $"Unable to find {directive.ToJsonString()} in patch directive");
                }
            }
            if (patch[RetainKeys] is JsonArray retain)
            {
                var keep = retain.Select(k => k?.ToString()).ToHashSet();
                foreach (var key in original.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList()) original.Remove(key);
            }
            foreach (var (key, value) in patch)
            {
                if (key.StartsWith(DeleteFromPrimitiveList, StringComparison.Ordinal))
                {
                    if (value is not JsonArray toDelete) throw new PatchException(400, "invalid patch format for primitive list");
                    if (original[key[DeleteFromPrimitiveList.Length..]] is JsonArray list)
                        foreach (var item in list.Where(i => toDelete.Any(d => JsonNode.DeepEquals(d, i))).ToList()) list.Remove(item);
                }
            }
            foreach (var (key, value) in patch)
            {
                if (key.StartsWith('$')) continue;
                var childPath = Child(path, key);
                if (value is null)
                {
                    original.Remove(key);
                    continue;
                }
                var current = original[key];
                original[key] = (current, value) switch
                {
                    (JsonObject o, JsonObject p) => MergeMap(o, p, childPath),
                    (JsonArray o, JsonArray p) => MergeList(o, p, childPath),
                    (null, JsonObject p) => MergeMap(new JsonObject(), p, childPath),
                    (null, JsonArray p) => MergeList(new JsonArray(), p, childPath),
                    _ => StripDirectives(value),
                };
            }
            foreach (var (key, value) in patch)
            {
                if (key.StartsWith(SetElementOrder, StringComparison.Ordinal) && value is JsonArray order &&
                    original[key[SetElementOrder.Length..]] is JsonArray list)
                    original[key[SetElementOrder.Length..]] = Reorder(list, order, ListStrategy(Child(path, key[SetElementOrder.Length..])).Key);
            }
            return original;
        }

        private static JsonArray MergeList(JsonArray original, JsonArray patch, string path)
        {
            var (kind, mergeKey) = ListStrategy(path);
            if (kind == ListKind.Replace) return (JsonArray)StripDirectives(patch)!;
            if (patch.Any(item => item is JsonObject o && o[Directive]?.ToString() == "replace"))
                return new JsonArray(patch.Where(item => !(item is JsonObject o && o[Directive] is not null)).Select(StripDirectives).ToArray());

            var result = new JsonArray(original.Select(i => i?.DeepClone()).ToArray());
            if (kind == ListKind.MergePrimitives)
            {
                foreach (var item in patch)
                    if (!result.Any(existing => JsonNode.DeepEquals(existing, item))) result.Add(item?.DeepClone());
                return result;
            }
            foreach (var item in patch)
            {
                if (item is not JsonObject patchItem) throw new PatchException(500, $"unable to find api field in struct for the list item {item?.ToJsonString()}");
                var keyValue = patchItem[mergeKey!];
                if (keyValue is null)
                    throw new PatchException(500, $"map: {GoMap(patchItem)} does not contain declared merge key: {mergeKey}");
                var existing = result.OfType<JsonObject>().FirstOrDefault(o => JsonNode.DeepEquals(o[mergeKey!], keyValue));
                if (patchItem[Directive]?.ToString() == "delete")
                {
                    foreach (var match in result.OfType<JsonObject>().Where(o => JsonNode.DeepEquals(o[mergeKey!], keyValue)).ToList()) result.Remove(match);
                    continue;
                }
                if (existing is null) result.Add(MergeMap(new JsonObject(), patchItem, path));
                else MergeMap(existing, patchItem, path);
            }
            return result;
        }

        private static JsonArray Reorder(JsonArray list, JsonArray order, string? mergeKey)
        {
            JsonNode? Identity(JsonNode? item) => mergeKey is null ? item : item?[mergeKey];
            var items = list.Select(i => i?.DeepClone()).ToList();
            var ordered = new List<JsonNode?>();
            foreach (var wanted in order)
            {
                var wantedId = Identity(wanted);
                var match = items.FirstOrDefault(i => JsonNode.DeepEquals(Identity(i), wantedId));
                if (match is null) continue;
                ordered.Add(match);
                items.Remove(match);
            }
            ordered.AddRange(items);
            return new JsonArray(ordered.ToArray());
        }

        private static JsonNode? StripDirectives(JsonNode? node) => node switch
        {
            JsonObject obj => new JsonObject(obj.Where(p => !p.Key.StartsWith('$') && p.Value is not null)
                .Select(p => KeyValuePair.Create(p.Key, StripDirectives(p.Value)))),
            JsonArray arr => new JsonArray(arr.Where(i => !(i is JsonObject o && o[Directive] is not null)).Select(StripDirectives).ToArray()),
            _ => node?.DeepClone(),
        };

        // Go prints the offending item as a map literal.
        private static string GoMap(JsonObject obj) =>
            "map[" + string.Join(" ", obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{(p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : p.Value?.ToJsonString())}")) + "]";
    }

    // RFC 6902; messages follow evanphx/json-patch, which kube-apiserver uses.
    private static class JsonPatchOps
    {
        public static JsonObject Apply(JsonObject document, JsonArray operations)
        {
            JsonNode root = document;
            foreach (var entry in operations)
            {
                if (entry is not JsonObject op) throw new PatchException(400, "json: cannot unmarshal into Go value of type jsonpatch.Operation");
                var kind = op.Str("op") ?? "";
                var path = op.Str("path") ?? throw new PatchException(422, $"{kind} operation does not apply: missing path");
                switch (kind)
                {
                    case "add":
                        root = Add(root, path, Value(op, kind), kind);
                        break;
                    case "remove":
                        Remove(root, path, kind);
                        break;
                    case "replace":
                        if (Get(root, path) is null && path.Length > 0)
                            throw new PatchException(422, $"replace operation does not apply: doc is missing key: {path}: missing value");
                        Remove(root, path, kind);
                        root = Add(root, path, Value(op, kind), kind);
                        break;
                    case "move":
                    case "copy":
                        var from = op.Str("from") ?? throw new PatchException(422, $"{kind} operation does not apply: missing from");
                        var value = Get(root, from) ?? throw new PatchException(422, $"{kind} operation does not apply: doc is missing from path: {from}: missing value");
                        value = value.DeepClone();
                        if (kind == "move") Remove(root, from, kind);
                        root = Add(root, path, value, kind);
                        break;
                    case "test":
                        if (!JsonNode.DeepEquals(Get(root, path), op["value"]))
                            throw new PatchException(422, $"testing value {path} failed: test failed");
                        break;
                    default:
                        throw new PatchException(422, $"Unexpected kind: {kind}");
                }
            }
            return root as JsonObject ?? throw new PatchException(422, "the patched document is not an object");
        }

        private static JsonNode? Value(JsonObject op, string kind) =>
            op.ContainsKey("value") ? op["value"]?.DeepClone() : throw new PatchException(422, $"{kind} operation does not apply: missing value");

        private static List<string> Segments(string pointer)
        {
            if (pointer.Length == 0) return [];
            if (pointer[0] != '/') throw new PatchException(422, $"JSON pointer must be empty or start with a \"/\": {pointer}");
            return pointer[1..].Split('/').Select(s => s.Replace("~1", "/").Replace("~0", "~")).ToList();
        }

        private static JsonNode? Get(JsonNode root, string pointer)
        {
            JsonNode? node = root;
            foreach (var segment in Segments(pointer))
            {
                node = node switch
                {
                    JsonObject obj => obj.TryGetPropertyValue(segment, out var child) ? child : null,
                    JsonArray arr => int.TryParse(segment, out var index) && index >= 0 && index < arr.Count ? arr[index] : null,
                    _ => null,
                };
                if (node is null) return null;
            }
            return node;
        }

        private static (JsonNode Parent, string Last) Parent(JsonNode root, string pointer, string kind)
        {
            var segments = Segments(pointer);
            var parentPointer = pointer[..pointer.LastIndexOf('/')];
            var parent = Get(root, parentPointer);
            if (parent is not (JsonObject or JsonArray))
                throw new PatchException(422, $"{kind} operation does not apply: doc is missing path: \"{pointer}\": missing value");
            return (parent, segments[^1]);
        }

        private static JsonNode Add(JsonNode root, string pointer, JsonNode? value, string kind)
        {
            if (pointer.Length == 0) return value ?? throw new PatchException(422, "cannot replace the document with null");
            var (parent, last) = Parent(root, pointer, kind);
            if (parent is JsonObject obj)
            {
                obj[last] = value;
                return root;
            }
            var arr = (JsonArray)parent;
            if (last == "-") arr.Add(value);
            else if (int.TryParse(last, out var index) && index >= 0 && index <= arr.Count) arr.Insert(index, value);
            else throw new PatchException(422, $"Unable to access invalid index: {last}: invalid index referenced");
            return root;
        }

        private static void Remove(JsonNode root, string pointer, string kind)
        {
            if (pointer.Length == 0) return;
            var (parent, last) = Parent(root, pointer, kind);
            var removed = parent switch
            {
                JsonObject obj => obj.Remove(last),
                JsonArray arr when int.TryParse(last, out var index) && index >= 0 && index < arr.Count => RemoveAt(arr, index),
                _ => false,
            };
            if (!removed)
                throw new PatchException(422, $"{kind} operation does not apply: doc is missing path: \"{pointer}\": missing value");
        }

        private static bool RemoveAt(JsonArray arr, int index)
        {
            arr.RemoveAt(index);
            return true;
        }
    }
}
