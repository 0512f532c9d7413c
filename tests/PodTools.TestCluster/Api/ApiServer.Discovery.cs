using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Api;

internal sealed partial class ApiServer
{
    /// <summary>The Kubernetes version this server reports and imitates.</summary>
    public const string KubernetesVersion = "v1.32.0";

    private async Task HandleNonResourceAsync(HttpContext context, string path)
    {
        if (context.Request.Method != "GET")
        {
            if (path.StartsWith("/api", StringComparison.Ordinal)) throw StatusException.MethodNotAllowed();
            await NotFoundPageAsync(context);
            return;
        }
        switch (path.TrimEnd('/'))
        {
            case "/version":
                await JsonOutput.WriteAsync(context, 200, VersionInfo());
                return;
            case "/api":
                await JsonOutput.WriteAsync(context, 200, new JsonObject
                {
                    ["kind"] = "APIVersions",
                    ["versions"] = new JsonArray("v1"),
                    ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = ServerAddress }),
                });
                return;
            case "/apis":
                await JsonOutput.WriteAsync(context, 200, new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = new JsonArray() });
                return;
            case "/api/v1":
                await JsonOutput.WriteAsync(context, 200, ResourceList());
                return;
            case "/openapi/v3":
                await JsonOutput.WriteAsync(context, 200, OpenApi.Index());
                return;
            case OpenApi.CoreV1Path:
                await JsonOutput.WriteAsync(context, 200, OpenApi.CoreV1());
                return;
            case "/healthz" or "/livez" or "/readyz":
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync("ok");
                return;
        }
        if (path.StartsWith("/api/", StringComparison.Ordinal)) throw StatusException.ResourceNotFound();
        // Unknown paths, /openapi/v2 included.
        await NotFoundPageAsync(context);
    }

    private static Task NotFoundPageAsync(HttpContext context)
    {
        context.Response.StatusCode = 404;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync("404 page not found\n");
    }

    private static JsonObject VersionInfo() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = KubernetesVersion,
        ["gitCommit"] = "70d3cc986aa8221cd1dfb1121852688902d3bf53",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2024-12-11T17:59:15Z",
        ["goVersion"] = "go1.23.3",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    private static JsonObject ResourceList()
    {
        var resources = new JsonArray();
        foreach (var type in ResourceTypes.All)
        {
            var resource = new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray(type.Verbs.Select(v => (JsonNode)v).ToArray()),
                ["shortNames"] = new JsonArray(type.ShortNames.Select(v => (JsonNode)v).ToArray()),
            };
            if (ReferenceEquals(type, ResourceTypes.Pods)) resource["categories"] = new JsonArray("all");
            resources.Add(resource);
            if (ReferenceEquals(type, ResourceTypes.Pods))
            {
                resources.Add(Subresource("pods/exec", "PodExecOptions", "create", "get"));
                resources.Add(Subresource("pods/log", "Pod", "get"));
                resources.Add(Subresource("pods/portforward", "PodPortForwardOptions", "create", "get"));
            }
            if (!ReferenceEquals(type, ResourceTypes.Events))
            {
                resources.Add(new JsonObject
                {
                    ["name"] = type.Plural + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = type.Namespaced,
                    ["kind"] = type.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }
        return new JsonObject { ["kind"] = "APIResourceList", ["groupVersion"] = "v1", ["resources"] = resources };
    }

    private static JsonObject Subresource(string name, string kind, params string[] verbs) => new()
    {
        ["name"] = name,
        ["singularName"] = "",
        ["namespaced"] = true,
        ["kind"] = kind,
        ["verbs"] = new JsonArray(verbs.Select(v => (JsonNode)v).ToArray()),
    };
}
