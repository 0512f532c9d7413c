using System.Text.Json;
using System.Text.Json.Nodes;

namespace PodTools.TestCluster.Store;

/// <summary>
/// One immutable stored version of an object. ItemJson is its serialized form without kind/apiVersion, exactly
/// as a list item is written, so a list response copies bytes instead of re-serializing; FullJson adds them.
/// Object is parsed from FullJson on first use (most versions, e.g. in the watch history, are never read as a
/// tree), fully materialized and never changed, so any thread may read it. A version that is no longer current
/// drops its tree (ForgetTree): the history keeps every version's bytes, and their trees too held about a gigabyte
/// after 50,000 edits, which the garbage collector then scanned on the cores the client shares.
/// </summary>
internal sealed class StoredObject
{
    private static readonly string[] TopLevelOrder = ["metadata", "spec", "status"];
    private static readonly string[] MetadataOrder =
    [
        "name", "generateName", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
    ];

    private JsonObject? _object;
    private bool _superseded;

    private StoredObject(ResourceType type, JsonObject source, byte[] itemJson, byte[] fullJson)
    {
        Type = type;
        ItemJson = itemJson;
        FullJson = fullJson;
        var metadata = source["metadata"] as JsonObject ?? new JsonObject();
        Name = (string?)metadata["name"] ?? "";
        Namespace = type.Namespaced ? (string?)metadata["namespace"] : null;
        Uid = (string?)metadata["uid"] ?? "";
        ResourceVersion = long.TryParse((string?)metadata["resourceVersion"], out var rv) ? rv : 0;
        IsTerminating = metadata["deletionTimestamp"] is not null;
        Key = KeyOf(Namespace, Name);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata["labels"] is JsonObject labelObject)
        {
            foreach (var (key, value) in labelObject)
            {
                labels[key] = value is JsonValue v && v.TryGetValue<string>(out var text) ? text : value?.ToJsonString() ?? "";
            }
        }
        Labels = labels;
    }

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public ResourceType Type { get; }

    /// <summary>The stored object as a tree, shared and read-only (Clone() for a private copy).</summary>
    public JsonObject Object => Volatile.Read(ref _object) ?? Parse();

    /// <summary>Drops the parsed tree once this version is no longer current; Object then parses anew on each read.</summary>
    public void ForgetTree()
    {
        Volatile.Write(ref _superseded, true);
        Volatile.Write(ref _object, null);
    }

    // Two threads may parse at once; one tree wins and both return it. A superseded version keeps none.
    private JsonObject Parse()
    {
        var parsed = (JsonObject)JsonNode.Parse(FullJson)!;
        Materialize(parsed);
        return Volatile.Read(ref _superseded) ? parsed : Interlocked.CompareExchange(ref _object, parsed, null) ?? parsed;
    }

    public byte[] ItemJson { get; }

    /// <summary>The serialized object with kind and apiVersion, as get and watch write it.</summary>
    public byte[] FullJson { get; }
    public string Name { get; }
    public string? Namespace { get; }
    public string Uid { get; }
    public long ResourceVersion { get; }
    public bool IsTerminating { get; }
    public IReadOnlyDictionary<string, string> Labels { get; }
    /// <summary>"namespace/name" (or "name"): the sort key, ordered as etcd orders its keys.</summary>
    public string Key { get; }

    public static string KeyOf(string? ns, string name) => ns is null ? name : ns + "/" + name;

    /// <summary>
    /// A private copy. Parsed from JSON, every value is JsonElement-backed, so numeric reads work whatever CLR
    /// type a writer used (an int written as 30 reads back as long, int or double alike).
    /// </summary>
    public JsonObject Clone() => (JsonObject)JsonNode.Parse(FullJson)!;

    public static StoredObject Create(ResourceType type, JsonObject source)
    {
        var item = Serialize(source);
        return new StoredObject(type, source, item, WithTypeMeta(type, item));
    }

    /// <summary>The item bytes with kind and apiVersion spliced in front: {"kind":..,"apiVersion":"v1", + the rest.</summary>
    private static byte[] WithTypeMeta(ResourceType type, byte[] item)
    {
        var prefix = System.Text.Encoding.UTF8.GetBytes($"{{\"kind\":\"{type.Kind}\",\"apiVersion\":\"v1\",");
        var full = new byte[prefix.Length + item.Length - 1];
        prefix.CopyTo(full, 0);
        item.AsSpan(1).CopyTo(full.AsSpan(prefix.Length));
        return full;
    }

    /// <summary>Writes source without kind/apiVersion in kube-apiserver's field order: metadata (ordered), spec, status, the rest.</summary>
    private static byte[] Serialize(JsonObject source)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            // metadata always comes first, so the item is never "{}" and kind/apiVersion can be spliced in front.
            writer.WriteStartObject();
            writer.WritePropertyName("metadata");
            if (source["metadata"] is JsonObject metadata) WriteOrdered(writer, metadata, MetadataOrder); else writer.WriteRawValue("{}");
            foreach (var key in TopLevelOrder.Skip(1))
            {
                if (source[key] is { } value)
                {
                    writer.WritePropertyName(key);
                    value.WriteTo(writer);
                }
            }
            foreach (var (key, value) in source)
            {
                if (key is "kind" or "apiVersion" || TopLevelOrder.Contains(key)) continue;
                writer.WritePropertyName(key);
                if (value is null) writer.WriteNullValue(); else value.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteOrdered(Utf8JsonWriter writer, JsonObject obj, string[] order)
    {
        writer.WriteStartObject();
        foreach (var key in order)
        {
            if (obj[key] is { } value)
            {
                writer.WritePropertyName(key);
                value.WriteTo(writer);
            }
        }
        foreach (var (key, value) in obj)
        {
            if (order.Contains(key) || value is null) continue;
            writer.WritePropertyName(key);
            value.WriteTo(writer);
        }
        writer.WriteEndObject();
    }

    // System.Text.Json parses lazily; walking every node once builds all internal collections up front so
    // that later concurrent readers never race on that lazy initialization.
    private static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj) Materialize(child);
                break;
            case JsonArray array:
                foreach (var child in array) Materialize(child);
                break;
        }
    }

    /// <summary>Writes the object as a standalone JSON document, kind and apiVersion first.</summary>
    public void WriteWithTypeMeta(Utf8JsonWriter writer) => writer.WriteRawValue(FullJson, skipInputValidation: true);
}
