using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PodTools.TestCluster.Hosting;
using PodTools.TestCluster.Kubelet;
using PodTools.TestCluster.Store;
using PodTools.TestCluster.Testing;

namespace PodTools.TestCluster.Api;

/// <summary>
/// The HTTP front of the cluster: authentication, authorization, fault injection and the request log around
/// discovery and the core/v1 resource verbs. Verbs live in the other ApiServer.*.cs files.
/// </summary>
internal sealed partial class ApiServer
{
    private const string ControlPrefix = "/podtools.test/v1/";
    private readonly ClusterStore _store;
    private readonly ClusterClock _clock;
    private readonly Authenticator _authenticator;
    private readonly RequestLog _requestLog;
    private readonly FaultInjector _faults;
    private readonly ControlEndpoints _control;
    private readonly KubeletEndpoints _kubelet;
    private readonly CancellationToken _stopping;

    public ApiServer(ClusterStore store, KubeletEndpoints kubelet, Authenticator authenticator, RequestLog requestLog, FaultInjector faults, CancellationToken stopping)
    {
        _kubelet = kubelet;
        _store = store;
        _clock = store.Clock;
        _authenticator = authenticator;
        _requestLog = requestLog;
        _faults = faults;
        _stopping = stopping;
        _control = new ControlEndpoints(store, requestLog, faults);
    }

    /// <summary>Host address for discovery's serverAddressByClientCIDRs, set once Kestrel has bound its port.</summary>
    public string ServerAddress { get; set; } = "127.0.0.1:443";

    public async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var user = _authenticator.Authenticate(context);
        context.Items[UserNameKey] = user?.Name;
        if (path.StartsWith(ControlPrefix, StringComparison.Ordinal))
        {
            await HandleControlAsync(context, user, path[ControlPrefix.Length..]);
            return;
        }

        // Headers kube-apiserver puts on every response; clients show Audit-Id when debugging.
        context.Response.Headers["Audit-Id"] = Guid.NewGuid().ToString();
        context.Response.Headers.CacheControl = "no-cache, private";
        var verb = "unknown";
        try
        {
            await _faults.DelayAsync(context.RequestAborted);
            if (user is null) throw new StatusException(401, "Unauthorized", "Unauthorized");

            var request = path.StartsWith("/api/v1/", StringComparison.Ordinal)
                ? ApiRequest.Parse(context.Request.Method, path["/api/v1/".Length..].Split('/'), context.Request.Query)
                : null;
            verb = request?.Verb ?? (context.Request.Method == "GET" ? "get" : "unknown");
            if (request is not null) Authorize(user, request);

            bool streaming = verb == "watch" || request?.IsKubeletSubresource == true;
            if (_faults.Pick(verb, path, streaming) is { } fault)
            {
                if (fault.After) await CarryOutUnansweredAsync(context, request, path);
                await InjectFaultAsync(context, fault);
                return;
            }

            if (request is null) await HandleNonResourceAsync(context, path);
            else await HandleResourceAsync(context, request);
        }
        catch (StatusException e) when (!context.Response.HasStarted)
        {
            await JsonOutput.WriteStatusAsync(context, e);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested || _stopping.IsCancellationRequested)
        {
            // The client went away (or the cluster is stopping) during a watch or latency delay.
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            var details = new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["message"] = e.Message }) };
            await JsonOutput.WriteAsync(context, 500, StatusException.BuildStatus(500, "InternalError", $"Internal error occurred: {e.Message}", details));
        }
        finally
        {
            if (!context.Items.ContainsKey(LoggedMarker))
            {
                LogRequest(context, user?.Name ?? "");
            }
        }
    }

    private const string LoggedMarker = "podtools.logged";
    private const string UserNameKey = "podtools.user";

    private void LogRequest(HttpContext context, string user)
    {
        context.Items[LoggedMarker] = true;
        var status = context.Items.ContainsKey(FaultResetMarker) ? 0 : context.Response.StatusCode;
        _requestLog.Add(new RequestLogEntry(context.Request.Method, context.Request.Path.Value ?? "/", context.Request.QueryString.Value ?? "", status, user,
            context.Request.Headers.Accept.ToString()));
    }

    private static void Authorize(ClusterUser user, ApiRequest request)
    {
        if (user.CanWrite || !request.IsWrite) return;
        var ns = request.AuthorizationNamespace;
        var scope = ns is null ? "at the cluster scope" : $"in the namespace \"{ns}\"";
        throw StatusException.Forbidden(request.Type.Plural, request.Name,
            $"User \"{user.Name}\" cannot {request.Verb} resource \"{request.ResourceWithSubresource}\" in API group \"\" {scope}");
    }

    private const string FaultResetMarker = "podtools.fault.reset";

    // Runs the request with its answer going nowhere, then leaves the response blank for the fault. Whatever the
    // request did stays done; its own error, if it failed, is lost like a success would be.
    private async Task CarryOutUnansweredAsync(HttpContext context, ApiRequest? request, string path)
    {
        var body = context.Response.Body;
        context.Response.Body = Stream.Null;
        try
        {
            if (request is null) await HandleNonResourceAsync(context, path);
            else await HandleResourceAsync(context, request);
        }
        catch (StatusException)
        {
        }
        finally
        {
            context.Response.Body = body;
        }

        var auditId = context.Response.Headers["Audit-Id"];
        context.Response.Clear();
        context.Response.Headers["Audit-Id"] = auditId;
        context.Response.Headers.CacheControl = "no-cache, private";
    }

    private static async Task InjectFaultAsync(HttpContext context, FaultRule fault)
    {
        if (fault.Status == 0)
        {
            // Start a plausible body, then drop the connection: the client sees a reset mid-response.
            context.Items[FaultResetMarker] = true;
            context.Response.StatusCode = 200;
            context.Response.ContentType = JsonOutput.ContentType;
            await context.Response.WriteAsync("{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceV");
            await context.Response.Body.FlushAsync();
            context.Abort();
            return;
        }
        var (reason, message) = fault.Status switch
        {
            429 => ("TooManyRequests", "Too many requests, please try again later."),
            500 => ("InternalError", "Internal error occurred: injected fault"),
            503 => ("ServiceUnavailable", "The server is currently unable to handle the request"),
            504 => ("Timeout", "The server was unable to return a response in the time allotted, but may still be processing the request"),
            409 => ("Conflict", "Operation cannot be fulfilled: injected fault"),
            404 => ("NotFound", "the server could not find the requested resource"),
            _ => ("", $"injected fault {fault.Status}"),
        };
        JsonObject? details = null;
        if (fault.RetryAfterSeconds is int retry)
        {
            details = new JsonObject { ["retryAfterSeconds"] = retry };
        }
        else if (fault.Status == 429)
        {
            // kube-apiserver's max-in-flight filter always asks for a retry after 1 s.
            details = new JsonObject { ["retryAfterSeconds"] = 1 };
        }
        var error = new StatusException(fault.Status, reason, message, details, (int?)details?["retryAfterSeconds"]);
        await JsonOutput.WriteStatusAsync(context, error);
    }

    private Task HandleResourceAsync(HttpContext context, ApiRequest request)
    {
        if (request.IsKubeletSubresource) return _kubelet.TryHandleAsync(context, request.Namespace!, request.Name!, request.Subresource!);
        if (!request.Type.Verbs.Contains(request.Verb) && request.Subresource is null) throw StatusException.MethodNotAllowed();
        return request.Verb switch
        {
            "get" => GetAsync(context, request),
            "list" => ListAsync(context, request),
            "watch" => WatchAsync(context, request),
            "create" => CreateAsync(context, request),
            "update" => UpdateAsync(context, request),
            "patch" => PatchAsync(context, request),
            "delete" when request.Subresource is null => DeleteAsync(context, request),
            "deletecollection" => DeleteCollectionAsync(context, request),
            _ => throw StatusException.MethodNotAllowed(),
        };
    }

    private async Task HandleControlAsync(HttpContext context, ClusterUser? user, string endpoint)
    {
        try
        {
            if (user is null) throw new StatusException(401, "Unauthorized", "Unauthorized");
            if (!user.CanWrite)
            {
                throw new StatusException(403, "Forbidden",
                    $"forbidden: User \"{user.Name}\" cannot {context.Request.Method.ToLowerInvariant()} path \"{context.Request.Path}\"", new JsonObject());
            }
            await _control.HandleAsync(context, endpoint);
        }
        catch (StatusException e) when (!context.Response.HasStarted)
        {
            await JsonOutput.WriteStatusAsync(context, e);
        }
    }
}
