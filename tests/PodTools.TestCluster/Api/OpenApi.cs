using System.Text.Json.Nodes;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Api;

/// <summary>
/// Just enough OpenAPI v3 for kubectl: the core/v1 write operations with their x-kubernetes-group-version-kind and
/// the fieldValidation query parameter, from which kubectl learns that the server validates fields itself (and so
/// skips downloading schemas for client-side validation). No component schemas: `kubectl explain` does not work.
/// </summary>
internal static class OpenApi
{
    public const string CoreV1Path = "/openapi/v3/api/v1";

    public static JsonObject Index() => new()
    {
        ["paths"] = new JsonObject
        {
            ["api/v1"] = new JsonObject { ["serverRelativeURL"] = CoreV1Path + "?hash=" + DocumentHash },
        },
    };

    private const string DocumentHash = "B1A2C3D4E5F60718293A4B5C6D7E8F90";

    public static JsonObject CoreV1()
    {
        var paths = new JsonObject();
        foreach (var type in ResourceTypes.All)
        {
            var collection = type.Namespaced ? $"/api/v1/namespaces/{{namespace}}/{type.Plural}" : $"/api/v1/{type.Plural}";
            paths[collection] = new JsonObject { ["post"] = Operation(type, "post", "create" + type.Kind) };
            paths[collection + "/{name}"] = new JsonObject
            {
                ["put"] = Operation(type, "put", "replace" + type.Kind),
                ["patch"] = Operation(type, "patch", "patch" + type.Kind),
            };
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = ApiServer.KubernetesVersion },
            ["paths"] = paths,
        };
    }

    private static JsonObject Operation(ResourceType type, string action, string operationId) => new()
    {
        ["operationId"] = operationId + (type.Namespaced ? "Namespaced" : "") + "V1",
        ["parameters"] = new JsonArray(
            QueryParameter("dryRun"),
            QueryParameter("fieldManager"),
            QueryParameter("fieldValidation")),
        ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
        ["x-kubernetes-action"] = action,
        ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = "", ["kind"] = type.Kind, ["version"] = "v1" },
    };

    private static JsonObject QueryParameter(string name) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
    };
}
