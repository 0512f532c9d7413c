using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PodTools.TestCluster.ControlPlane;
using PodTools.TestCluster.Semantics;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Kubelet;

/// <summary>
/// The pod subresources a real API server proxies to the kubelet: exec, log and portforward. Each request goes
/// through the API server's checks first (pod exists, container valid, pod has a node; errors are Status
/// bodies, thrown as <see cref="StatusException"/> for the caller to write), then through the kubelet's, whose
/// errors reach the client as the kubelet wrote them (plain text), because the API server proxies them as is.
/// The caller has authenticated and authorized the request, injected faults and logs it.
/// </summary>
internal sealed class KubeletEndpoints
{
    private readonly KubeletState _kubelet;
    private readonly ClusterStore _store;
    private readonly CancellationToken _stopping;

    public KubeletEndpoints(KubeletState kubelet, ClusterStore store, CancellationToken stopping)
    {
        _kubelet = kubelet;
        _store = store;
        _stopping = stopping;
    }

    /// <summary>True for the pod subresources this class serves.</summary>
    public static bool Handles(string resource, string? subresource) =>
        resource == "pods" && subresource is "exec" or "log" or "portforward";

    /// <summary>
    /// The verb RBAC checks: log is a get; exec and portforward need create (kube-apiserver authorizes the
    /// WebSocket GET of these as create, as it does the SPDY POST).
    /// </summary>
    public static string VerbFor(string subresource) => subresource == "log" ? "get" : "create";

    /// <summary>Serves pods/{exec,log,portforward}; false when the subresource is not one of these.</summary>
    public async Task<bool> TryHandleAsync(HttpContext context, string ns, string pod, string subresource)
    {
        if (!Handles("pods", subresource)) return false;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping);
        var method = context.Request.Method;
        switch (subresource)
        {
            case "log" when method == "GET":
                await new PodLogs(_kubelet, _store).ServeAsync(context, ns, pod, linked.Token).ConfigureAwait(false);
                return true;
            case "exec" when method is "GET" or "POST":
                await new ExecHandler(_kubelet, _store).ServeAsync(context, ns, pod, linked.Token).ConfigureAwait(false);
                return true;
            case "portforward" when method is "GET" or "POST":
                await new PortForwardHandler(_kubelet, _store).ServeAsync(context, ns, pod, linked.Token).ConfigureAwait(false);
                return true;
            default:
                throw StatusException.MethodNotAllowed();
        }
    }

    /// <summary>The pod as the API server reads it from storage (404 NotFound Status when it does not exist).</summary>
    internal static JsonObject GetPod(ClusterStore store, string ns, string name) =>
        store.Get("pods", ns, name) ?? throw StatusException.NotFound("pods", name);

    /// <summary>
    /// The API server's container choice for exec, attach and log (registry/core/pod strategy): the named
    /// container must exist among containers, init and ephemeral containers; without a name a one-container pod
    /// uses that container and any other pod is refused with the choices.
    /// </summary>
    internal static string ResolveContainer(JsonObject pod, string? container)
    {
        var name = pod.Str("metadata", "name") ?? "";
        var containers = pod.Objects("spec", "containers").Select(c => c.Str("name") ?? "").ToList();
        var inits = pod.Objects("spec", "initContainers").Select(c => c.Str("name") ?? "").ToList();
        var ephemeral = pod.Objects("spec", "ephemeralContainers").Select(c => c.Str("name") ?? "").ToList();
        if (string.IsNullOrEmpty(container))
        {
            if (containers.Count == 1) return containers[0];
            if (containers.Count == 0) throw StatusException.BadRequest($"a container name must be specified for pod {name}");
            var message = $"a container name must be specified for pod {name}, choose one of: [{string.Join(' ', containers)}]";
            if (inits.Count > 0) message += $" or one of the init containers: [{string.Join(' ', inits)}]";
            throw StatusException.BadRequest(message);
        }
        if (!containers.Contains(container) && !inits.Contains(container) && !ephemeral.Contains(container))
            throw StatusException.BadRequest($"container {container} is not valid for pod {name}");
        return container;
    }

    /// <summary>The kubelet's container lookup by name among the pod's app and init containers.</summary>
    internal static ContainerRuntime? FindRuntime(PodWorker worker, string container) =>
        worker.Containers.Concat(worker.InitContainers).FirstOrDefault(c => c.Name == container);

    /// <summary>A query flag as the API server's parameter codec reads a bool ("true", "1"; anything else false).</summary>
    internal static bool Flag(HttpContext context, string name)
    {
        var value = context.Request.Query[name].ToString();
        return value is "1" or "true" or "True" or "TRUE" or "t" or "T";
    }

    /// <summary>An error as the kubelet's HTTP server writes it: status code and plain text, which the API server proxies unchanged.</summary>
    internal static async Task WriteKubeletErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        var bytes = Encoding.UTF8.GetBytes(message);
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }
}
