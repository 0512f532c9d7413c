using System.Text.Json;
using System.Text.Json.Nodes;

namespace PodTools.TestCluster.Semantics;

/// <summary>Null-tolerant reads of Kubernetes objects held as JsonNode trees.</summary>
internal static class JsonAccess
{
    public static JsonNode? At(this JsonNode? node, params string[] path)
    {
        foreach (var segment in path)
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(segment, out node)) return null;
        }
        return node;
    }

    public static string? Str(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>A whole number, whether the node was parsed from text or built from any CLR numeric type.</summary>
    public static long? Long(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue v && v.GetValueKind() == JsonValueKind.Number &&
        double.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)
            ? (long)d
            : null;

    public static bool? Bool(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : null;

    public static JsonObject? Obj(this JsonNode? node, params string[] path) => node.At(path) as JsonObject;

    public static JsonArray? Arr(this JsonNode? node, params string[] path) => node.At(path) as JsonArray;

    public static IEnumerable<JsonObject> Objects(this JsonNode? node, params string[] path) =>
        node.Arr(path)?.OfType<JsonObject>() ?? [];

    /// <summary>A string map (labels, annotations, nodeSelector); non-string values read as their JSON text.</summary>
    public static Dictionary<string, string> StringMap(this JsonNode? node, params string[] path)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node.At(path) is JsonObject obj)
            foreach (var (key, value) in obj)
                map[key] = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value?.ToJsonString() ?? "";
        return map;
    }

    /// <summary>Gets or creates the object at <paramref name="name"/>.</summary>
    public static JsonObject Ensure(this JsonObject obj, string name)
    {
        if (obj[name] is JsonObject existing) return existing;
        var created = new JsonObject();
        obj[name] = created;
        return created;
    }
}
