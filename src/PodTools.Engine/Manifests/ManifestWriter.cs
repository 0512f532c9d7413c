using System.Globalization;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace PodTools.Engine.Manifests;

/// <summary>Writes objects as <c>kubectl get -o yaml</c> / <c>-o json</c> print them, optionally cleaned so they can be created again.</summary>
public static class ManifestWriter
{
    /// <summary>The annotation kubectl apply keeps; stale in a copy, so cleaning drops it.</summary>
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>YAML with keys in alphabetical order and 2-space indentation, like kubectl's -o yaml.</summary>
    public static string ToYaml<T>(T obj, bool clean = false) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        return KubernetesYaml.Serialize(clean ? Clean(obj) : obj);
    }

    /// <summary>JSON with keys in alphabetical order and 4-space indentation, like kubectl's -o json.</summary>
    public static string ToJson<T>(T obj, bool clean = false) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        return Indent(KubernetesJson.Serialize(clean ? Clean(obj) : obj));
    }

    /// <summary>
    /// A copy without what the server owns: status, managedFields, uid, resourceVersion, creationTimestamp, generation,
    /// selfLink and the last-applied annotation. The original is left as it was.
    /// </summary>
    public static T Clean<T>(T obj) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        var copy = KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(obj));
        if (copy.Metadata is { } metadata)
        {
            metadata.ManagedFields = null;
            metadata.Uid = null;
            metadata.ResourceVersion = null;
            metadata.CreationTimestamp = null;
            metadata.Generation = null;
            metadata.SelfLink = null;
            if (metadata.Annotations is { } annotations)
            {
                annotations.Remove(LastAppliedAnnotation);
                if (annotations.Count == 0)
                {
                    metadata.Annotations = null;
                }
            }
        }
        // Every kind's status lives in a property named Status; reflection keeps this kind-agnostic.
        var status = typeof(T).GetProperty("Status");
        if (status is not null && status.CanWrite && !status.PropertyType.IsValueType)
        {
            status.SetValue(copy, null);
        }
        return copy;
    }

    // Go's json.MarshalIndent(obj, "", "    ") as kubectl uses it: 4 spaces, "key": value, HTML characters escaped.
    private static string Indent(string compactJson)
    {
        using var document = JsonDocument.Parse(compactJson);
        var builder = new StringBuilder(compactJson.Length * 2);
        Write(document.RootElement, builder, 0);
        return builder.Append('\n').ToString();
    }

    private static void Write(JsonElement element, StringBuilder builder, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var properties = element.EnumerateObject().ToList();
                if (properties.Count == 0)
                {
                    builder.Append("{}");
                    return;
                }
                builder.Append("{\n");
                for (int i = 0; i < properties.Count; i++)
                {
                    builder.Append(' ', (depth + 1) * 4);
                    WriteString(properties[i].Name, builder);
                    builder.Append(": ");
                    Write(properties[i].Value, builder, depth + 1);
                    builder.Append(i < properties.Count - 1 ? ",\n" : "\n");
                }
                builder.Append(' ', depth * 4).Append('}');
                return;
            case JsonValueKind.Array:
                var items = element.EnumerateArray().ToList();
                if (items.Count == 0)
                {
                    builder.Append("[]");
                    return;
                }
                builder.Append("[\n");
                for (int i = 0; i < items.Count; i++)
                {
                    builder.Append(' ', (depth + 1) * 4);
                    Write(items[i], builder, depth + 1);
                    builder.Append(i < items.Count - 1 ? ",\n" : "\n");
                }
                builder.Append(' ', depth * 4).Append(']');
                return;
            case JsonValueKind.String:
                WriteString(element.GetString()!, builder);
                return;
            default:
                builder.Append(element.GetRawText());
                return;
        }
    }

    private static void WriteString(string value, StringBuilder builder)
    {
        builder.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '<' or '>' or '&' or '\u2028' or '\u2029' or < ' ':
                    builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: builder.Append(c); break;
            }
        }
        builder.Append('"');
    }
}
