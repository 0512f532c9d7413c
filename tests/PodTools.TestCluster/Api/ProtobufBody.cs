using System.Text;
using System.Text.Json.Nodes;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Api;

/// <summary>
/// Reads the Kubernetes protobuf envelope that kubectl's typed clients send (e.g. `kubectl create namespace`).
/// Only Namespace bodies are decoded (name, generateName, labels, annotations, spec.finalizers); any other kind
/// is answered with 415, which a real server would not do.
/// </summary>
internal static class ProtobufBody
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";
    private static readonly byte[] Magic = "k8s\0"u8.ToArray();

    public static JsonObject Decode(byte[] body, ResourceType type)
    {
        if (!body.AsSpan().StartsWith(Magic)) throw Unsupported();
        string? kind = null;
        byte[]? raw = null;
        foreach (var (field, value) in Fields(body.AsMemory(Magic.Length)))
        {
            if (field == 1)
            {
                foreach (var (typeField, typeValue) in Fields(value)) if (typeField == 2) kind = Text(typeValue);
            }
            else if (field == 2)
            {
                raw = value.ToArray();
            }
        }
        if (kind != "Namespace" || !ReferenceEquals(type, ResourceTypes.Namespaces) || raw is null) throw Unsupported();

        var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace" };
        foreach (var (field, value) in Fields(raw))
        {
            if (field == 1) ns["metadata"] = ObjectMeta(value);
            if (field == 2)
            {
                var finalizers = new JsonArray();
                foreach (var (specField, specValue) in Fields(value)) if (specField == 1) finalizers.Add(Text(specValue));
                ns["spec"] = new JsonObject { ["finalizers"] = finalizers };
            }
        }
        return ns;
    }

    private static StatusException Unsupported() => new(415, "UnsupportedMediaType",
        $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, {MediaType}");

    private static JsonObject ObjectMeta(ReadOnlyMemory<byte> data)
    {
        var metadata = new JsonObject();
        foreach (var (field, value) in Fields(data))
        {
            switch (field)
            {
                case 1: metadata["name"] = Text(value); break;
                case 2: metadata["generateName"] = Text(value); break;
                case 3: metadata["namespace"] = Text(value); break;
                case 11: AddMapEntry(metadata, "labels", value); break;
                case 12: AddMapEntry(metadata, "annotations", value); break;
            }
        }
        return metadata;
    }

    private static void AddMapEntry(JsonObject metadata, string mapName, ReadOnlyMemory<byte> entry)
    {
        string key = "", value = "";
        foreach (var (field, data) in Fields(entry))
        {
            if (field == 1) key = Text(data);
            if (field == 2) value = Text(data);
        }
        if (metadata[mapName] is not JsonObject map) metadata[mapName] = map = new JsonObject();
        map[key] = value;
    }

    private static string Text(ReadOnlyMemory<byte> data) => Encoding.UTF8.GetString(data.Span);

    /// <summary>The length-delimited fields of a protobuf message (varint and fixed fields are skipped).</summary>
    private static IEnumerable<(int Field, ReadOnlyMemory<byte> Value)> Fields(ReadOnlyMemory<byte> message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message.Span, ref position);
            var field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0: ReadVarint(message.Span, ref position); break;
                case 1: position += 8; break;
                case 5: position += 4; break;
                case 2:
                    var length = (int)ReadVarint(message.Span, ref position);
                    if (length < 0 || position + length > message.Length) throw Unsupported();
                    yield return (field, message.Slice(position, length));
                    position += length;
                    break;
                default: throw Unsupported();
            }
        }
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length) throw Unsupported();
            var b = data[position++];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw Unsupported();
    }
}
