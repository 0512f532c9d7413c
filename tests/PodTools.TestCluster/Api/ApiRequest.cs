using Microsoft.AspNetCore.Http;
using PodTools.TestCluster.Kubelet;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Api;

/// <summary>A resource request under /api/v1, resolved as kube-apiserver's RequestInfoResolver resolves it.</summary>
internal sealed record ApiRequest(string Verb, ResourceType Type, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>The namespace RBAC sees: for /namespaces/{name} that is the name itself.</summary>
    public string? AuthorizationNamespace => Namespace ?? (ReferenceEquals(Type, ResourceTypes.Namespaces) ? Name : null);

    public string ResourceWithSubresource => Subresource is null ? Type.Plural : Type.Plural + "/" + Subresource;

    private static readonly HashSet<string> NamespaceSubresources = ["status", "finalize"];

    /// <summary>
    /// Parses the path after "/api/v1/" (already split on '/'). Returns null when it names no resource this
    /// server has (the caller answers 404).
    /// </summary>
    public static ApiRequest? Parse(string method, string[] parts, IQueryCollection query)
    {
        string? ns = null;
        var rest = parts;
        if (parts.Length >= 3 && parts[0] == "namespaces" && !NamespaceSubresources.Contains(parts[2]))
        {
            ns = parts[1];
            rest = parts[2..];
        }
        if (rest.Length is 0 or > 3) return null;
        var type = ResourceTypes.All.FirstOrDefault(t => t.Plural == rest[0]);
        if (type is null) return null;
        if (ns is not null && !type.Namespaced) return null;

        var name = rest.Length >= 2 ? rest[1] : null;
        var subresource = rest.Length == 3 ? rest[2] : null;
        var servedByKubelet = subresource is not null && KubeletEndpoints.Handles(type.Plural, subresource);
        if (subresource is not null && !servedByKubelet && !(subresource == "status" && !ReferenceEquals(type, ResourceTypes.Events))) return null;
        if (name is { Length: 0 }) return null;
        if (servedByKubelet) return new ApiRequest(KubeletEndpoints.VerbFor(subresource!), type, ns, name, subresource);

        var isWatch = query["watch"] is { Count: > 0 } w && (w[0] is "1" or "true");
        var verb = (method, name is null) switch
        {
            ("GET", true) => isWatch ? "watch" : "list",
            ("GET", false) => isWatch ? "watch" : "get",
            ("POST", true) => "create",
            ("PUT", false) => "update",
            ("PATCH", false) => "patch",
            ("DELETE", false) => "delete",
            ("DELETE", true) => "deletecollection",
            _ => "unsupported",
        };
        return new ApiRequest(verb, type, ns, name, subresource);
    }

    public bool IsWrite => Verb is "create" or "update" or "patch" or "delete" or "deletecollection";

    /// <summary>pods/exec, pods/log and pods/portforward, which the API server hands on to the kubelet.</summary>
    public bool IsKubeletSubresource => Subresource is not null && KubeletEndpoints.Handles(Type.Plural, Subresource);
}
