using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PodTools.TestCluster.Api;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Testing;

/// <summary>The /podtools.test/v1/ endpoints: request log, fault rules, seeding, compaction.</summary>
internal sealed class ControlEndpoints
{
    private readonly ClusterStore _store;
    private readonly RequestLog _requestLog;
    private readonly FaultInjector _faults;

    public ControlEndpoints(ClusterStore store, RequestLog requestLog, FaultInjector faults)
    {
        _store = store;
        _requestLog = requestLog;
        _faults = faults;
    }

    public async Task HandleAsync(HttpContext context, string endpoint)
    {
        switch (context.Request.Method, endpoint.TrimEnd('/'))
        {
            case ("GET", "requests"):
                await WriteAsync(context, JsonSerializer.SerializeToNode(_requestLog.Entries)!);
                return;
            case ("DELETE", "requests"):
                _requestLog.Clear();
                await WriteAsync(context, new JsonObject());
                return;
            case ("GET", "faults"):
                await WriteAsync(context, JsonSerializer.SerializeToNode(_faults.Current)!);
                return;
            case ("PUT", "faults"):
                var settings = await ReadAsync<FaultSettings>(context);
                try
                {
                    _faults.Set(settings);
                }
                catch (ArgumentException e)
                {
                    throw StatusException.BadRequest(e.Message);
                }
                await WriteAsync(context, JsonSerializer.SerializeToNode(_faults.Current)!);
                return;
            case ("DELETE", "faults"):
                _faults.Clear();
                await WriteAsync(context, JsonSerializer.SerializeToNode(_faults.Current)!);
                return;
            case ("POST", "seed"):
                var seed = await ReadAsync<SeedRequest>(context);
                var created = Seeder.Seed(_store, seed);
                await WriteAsync(context, new JsonObject { ["created"] = created });
                return;
            case ("POST", "compact"):
                _store.Compact();
                await WriteAsync(context, new JsonObject { ["compactedRevision"] = _store.CompactedRevision });
                return;
            default:
                context.Response.StatusCode = 404;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync("404 page not found\n");
                return;
        }
    }

    private static async Task<T> ReadAsync<T>(HttpContext context) where T : new()
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(context.Request.Body, cancellationToken: context.RequestAborted) ?? new T();
        }
        catch (JsonException e)
        {
            throw StatusException.BadRequest(e.Message);
        }
    }

    private static Task WriteAsync(HttpContext context, JsonNode body) => JsonOutput.WriteAsync(context, 200, body);
}
