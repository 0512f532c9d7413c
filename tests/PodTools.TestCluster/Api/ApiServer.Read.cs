using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PodTools.TestCluster.Semantics;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Api;

internal sealed partial class ApiServer
{
    private const string ContinueTooOld =
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without " +
        "the continue parameter, or use the continue token in this response to retrieve the remainder of the results. " +
        "Continuing with the provided token results in an inconsistent list - objects that were created, modified, or " +
        "deleted between the time the first chunk was returned and now may show up in the list.";

    private async Task GetAsync(HttpContext context, ApiRequest request)
    {
        var stored = _store.Find(request.Type, request.Namespace, request.Name!)
            ?? throw StatusException.NotFound(request.Type.Plural, request.Name!);
        if (WantsTable(context))
        {
            var listMeta = new JsonObject { ["resourceVersion"] = stored.ResourceVersion.ToString() };
            await JsonOutput.WriteAsync(context, 200, TableConverter.ToTable(request.Type.Kind, [stored.Clone()], listMeta, _clock.UtcNow, IncludeObject(context)));
            return;
        }
        await JsonOutput.WriteStoredAsync(context, 200, stored);
    }

    private async Task ListAsync(HttpContext context, ApiRequest request)
    {
        var query = context.Request.Query;
        var filter = ObjectFilter.FromQuery(request.Type, query);
        var limit = ParseLimit(query["limit"].ToString());

        ClusterStore.ListSnapshot snapshot;
        string? startAfterKey = null;
        var continueToken = query["continue"].ToString();
        if (continueToken.Length > 0)
        {
            (var tokenVersion, startAfterKey) = DecodeContinue(continueToken);
            snapshot = _store.FindSnapshot(request.Type, tokenVersion)
                ?? (tokenVersion < _store.CompactedRevision
                    ? throw StatusException.Expired(ContinueTooOld)
                    // Not remembered but not compacted either: page on through the current state at the token's version.
                    : _store.Snapshot(request.Type) with { ResourceVersion = tokenVersion });
        }
        else
        {
            snapshot = _store.Snapshot(request.Type);
        }

        var page = new List<StoredObject>();
        string? nextContinue = null;
        long? remaining = null;
        var inScope = snapshot.Items.Values.Where(o => request.Namespace is null || o.Namespace == request.Namespace);
        if (startAfterKey is not null) inScope = inScope.SkipWhile(o => string.CompareOrdinal(o.Key, startAfterKey) <= 0);
        using (var items = inScope.GetEnumerator())
        {
            while (items.MoveNext())
            {
                if (limit > 0 && page.Count == limit)
                {
                    // Like etcd, "more" means more keys in range, whether or not they match the selectors.
                    nextContinue = EncodeContinue(snapshot.ResourceVersion, page[^1].Key);
                    if (filter.IsEmpty)
                    {
                        long count = 1;
                        while (items.MoveNext()) count++;
                        remaining = count;
                    }
                    break;
                }
                if (filter.Matches(items.Current)) page.Add(items.Current);
            }
        }
        if (nextContinue is not null) _store.RememberSnapshot(request.Type, snapshot);

        var listMeta = new JsonObject { ["resourceVersion"] = snapshot.ResourceVersion.ToString() };
        if (nextContinue is not null) listMeta["continue"] = nextContinue;
        if (remaining is not null) listMeta["remainingItemCount"] = remaining;

        if (WantsTable(context))
        {
            await JsonOutput.WriteAsync(context, 200, TableConverter.ToTable(request.Type.Kind, page.Select(o => o.Clone()), listMeta, _clock.UtcNow, IncludeObject(context)));
            return;
        }
        await WriteListAsync(context, request.Type, listMeta, page);
    }

    /// <summary>Streams a list: envelope, then each item's pre-serialized bytes, flushing as it goes.</summary>
    private static async Task WriteListAsync(HttpContext context, ResourceType type, JsonObject listMeta, IReadOnlyList<StoredObject> items)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = JsonOutput.ContentType;
        var body = context.Response.BodyWriter;
        using var writer = new Utf8JsonWriter(body, JsonOutput.WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("kind", type.ListKind);
        writer.WriteString("apiVersion", "v1");
        writer.WritePropertyName("metadata");
        listMeta.WriteTo(writer);
        writer.WriteStartArray("items");
        foreach (var item in items)
        {
            writer.WriteRawValue(item.ItemJson, skipInputValidation: true);
            if (writer.BytesPending > 64 * 1024)
            {
                writer.Flush();
                await body.FlushAsync(context.RequestAborted);
            }
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
        await body.FlushAsync(context.RequestAborted);
    }

    private static int ParseLimit(string text)
    {
        if (text.Length == 0) return 0;
        if (!long.TryParse(text, out var limit)) throw StatusException.BadRequest($"strconv.ParseInt: parsing \"{text}\": invalid syntax");
        return limit <= 0 ? 0 : (int)Math.Min(limit, int.MaxValue);
    }

    // The token format of apiserver's storage.EncodeContinue: base64url of {"v":"meta.k8s.io/v1","rv":N,"start":"key\0"}.
    private static string EncodeContinue(long resourceVersion, string lastKey)
    {
        var json = new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = resourceVersion, ["start"] = lastKey + "\u0000" }.ToJsonString();
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static (long ResourceVersion, string StartAfterKey) DecodeContinue(string token)
    {
        JsonObject? decoded;
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            decoded = JsonNode.Parse(Convert.FromBase64String(base64)) as JsonObject;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw StatusException.BadRequest($"invalid continue token: continue key is not valid: {e.Message}");
        }
        if (decoded is null || (string?)decoded["v"] != "meta.k8s.io/v1")
        {
            throw StatusException.BadRequest("invalid continue token: continue key is not valid: server does not recognize this encoded version");
        }
        var rv = decoded["rv"] is JsonValue v && v.TryGetValue<long>(out var parsed) ? parsed : 0;
        if (rv <= 0)
        {
            throw StatusException.BadRequest("invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
        }
        var start = (string?)decoded["start"] ?? "";
        if (start.Length == 0) throw StatusException.BadRequest("invalid continue token: continue key is not valid: encoded start key empty");
        return (rv, start.TrimEnd('\u0000'));
    }

    /// <summary>True when Accept asks for a meta.k8s.io Table, as kubectl get does.</summary>
    private static bool WantsTable(HttpContext context) => JsonOutput.AcceptsAs(context, "Table");

    private static bool IncludeObject(HttpContext context) =>
        !string.Equals(context.Request.Query["includeObject"].ToString(), "None", StringComparison.Ordinal);
}
