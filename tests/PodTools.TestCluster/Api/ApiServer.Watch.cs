using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PodTools.TestCluster.Semantics;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Api;

internal sealed partial class ApiServer
{
    /// <summary>The watch cache sends a bookmark about once a minute (of cluster time).</summary>
    private static readonly TimeSpan BookmarkInterval = TimeSpan.FromSeconds(60);

    private async Task WatchAsync(HttpContext context, ApiRequest request)
    {
        var query = context.Request.Query;
        var type = request.Type;
        var filter = ObjectFilter.FromQuery(type, query);
        var sendInitialEvents = query["sendInitialEvents"].ToString() == "true";
        var bookmarks = query["allowWatchBookmarks"].ToString() is "true" or "1";
        var asTable = WantsTable(context);
        var includeObject = IncludeObject(context);
        long? from = null;
        var rvText = query["resourceVersion"].ToString();
        if (!sendInitialEvents && rvText is { Length: > 0 } and not "0")
        {
            from = long.TryParse(rvText, out var parsed) && parsed > 0
                ? parsed
                : throw StatusException.BadRequest($"invalid resource version: strconv.ParseUint: parsing \"{rvText}\": invalid syntax");
        }
        var timeout = Timeout.InfiniteTimeSpan;
        if (query["timeoutSeconds"].ToString() is { Length: > 0 } timeoutText && long.TryParse(timeoutText, out var seconds) && seconds > 0)
        {
            timeout = TimeSpan.FromSeconds(seconds);
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = JsonOutput.ContentType;
        var body = context.Response.BodyWriter;
        using var writer = new Utf8JsonWriter(body, JsonOutput.WriterOptions);

        StoreSubscription subscription;
        try
        {
            subscription = _store.Subscribe(type.Plural, request.Namespace, from);
        }
        catch (StatusException e) when (e.Code == 410)
        {
            // The watch cache answers 200 and reports "too old" as the stream's only event.
            WriteEvent(writer, body, "ERROR", w => e.ToStatus().WriteTo(w));
            await body.FlushAsync(context.RequestAborted);
            return;
        }

        // Logged when the watch is established (like an audit ResponseStarted entry), not when it ends: a client
        // that stops watching has moved on before the server notices, and tests read the log right away.
        LogRequest(context, user: context.Items[UserNameKey] as string ?? "");

        using (subscription)
        using (var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping))
        {
            if (timeout != Timeout.InfiniteTimeSpan) timeoutSource.CancelAfter(timeout);
            var cancel = timeoutSource.Token;
            // Headers go out at once so clients know the watch is established before any event.
            await body.FlushAsync(cancel);

            var initialRemaining = subscription.InitialEventCount;
            var initialEndSent = !(sendInitialEvents && bookmarks);
            var reader = subscription.Events;
            var lastBookmark = DateTime.UtcNow;
            Task<bool>? wait = null;
            try
            {
                while (!cancel.IsCancellationRequested)
                {
                    // One pending wait at a time: the subscription's channel has a single reader.
                    wait ??= reader.WaitToReadAsync(cancel).AsTask();
                    if (bookmarks)
                    {
                        var untilBookmark = _clock.ToReal(BookmarkInterval) - (DateTime.UtcNow - lastBookmark);
                        await Task.WhenAny(wait, Task.Delay(untilBookmark > TimeSpan.Zero ? untilBookmark : TimeSpan.Zero, cancel));
                    }
                    else
                    {
                        await wait;
                    }
                    if (wait.IsCompleted)
                    {
                        if (!await wait) break;
                        wait = null;
                    }

                    while (reader.TryRead(out var change))
                    {
                        if (initialRemaining > 0) initialRemaining--;
                        if (request.Name is not null && change.Name != request.Name) continue;
                        var eventType = EventTypeFor(change, filter);
                        if (eventType is null) continue;
                        WriteEvent(writer, body, eventType, w => WriteObject(w, change.Current, asTable, includeObject));
                    }
                    if (!initialEndSent && initialRemaining == 0)
                    {
                        WriteBookmark(writer, body, type, _store.CommittedResourceVersion(), initialEventsEnd: true);
                        initialEndSent = true;
                        lastBookmark = DateTime.UtcNow;
                    }
                    if (bookmarks && DateTime.UtcNow - lastBookmark >= _clock.ToReal(BookmarkInterval))
                    {
                        // Read the version first: every event up to it is already queued, so an empty queue means none is skipped.
                        var version = _store.CommittedResourceVersion();
                        if (!reader.TryPeek(out _))
                        {
                            WriteBookmark(writer, body, type, version, initialEventsEnd: false);
                            lastBookmark = DateTime.UtcNow;
                        }
                    }
                    await body.FlushAsync(cancel);
                }
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested && !_stopping.IsCancellationRequested)
            {
                // timeoutSeconds elapsed: end the stream normally.
            }
        }
    }

    /// <summary>
    /// The event a filtered watcher sees, as the watch cache computes it: an object that starts matching arrives as
    /// ADDED, one that stops matching as DELETED; null when the watcher sees nothing.
    /// </summary>
    private static string? EventTypeFor(WatchEvent change, ObjectFilter filter)
    {
        var matchesNow = filter.Matches(change.Current);
        if (change.Type != WatchEvent.Modified) return matchesNow ? change.Type : null;
        var matchedBefore = change.Previous is not null && filter.Matches(change.Previous);
        return (matchedBefore, matchesNow) switch
        {
            (true, true) => WatchEvent.Modified,
            (false, true) => WatchEvent.Added,
            (true, false) => WatchEvent.Deleted,
            _ => null,
        };
    }

    private void WriteObject(Utf8JsonWriter writer, StoredObject obj, bool asTable, bool includeObject)
    {
        if (!asTable)
        {
            obj.WriteWithTypeMeta(writer);
            return;
        }
        var listMeta = new JsonObject { ["resourceVersion"] = obj.ResourceVersion.ToString() };
        TableConverter.ToTable(obj.Type.Kind, [obj.Clone()], listMeta, _clock.UtcNow, includeObject).WriteTo(writer);
    }

    private static void WriteBookmark(Utf8JsonWriter writer, PipeWriter body, ResourceType type, long resourceVersion, bool initialEventsEnd)
    {
        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(), ["creationTimestamp"] = null };
        if (initialEventsEnd) metadata["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        var bookmark = new JsonObject { ["kind"] = type.Kind, ["apiVersion"] = "v1", ["metadata"] = metadata };
        WriteEvent(writer, body, "BOOKMARK", w => bookmark.WriteTo(w));
    }

    /// <summary>One watch event: {"type":...,"object":...} on its own line.</summary>
    private static void WriteEvent(Utf8JsonWriter writer, PipeWriter body, string type, Action<Utf8JsonWriter> writeObject)
    {
        writer.Reset(body);
        writer.WriteStartObject();
        writer.WriteString("type", type);
        writer.WritePropertyName("object");
        writeObject(writer);
        writer.WriteEndObject();
        writer.Flush();
        body.Write("\n"u8);
    }
}
