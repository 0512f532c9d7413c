namespace PodTools.TestCluster.Store;

/// <summary>A core/v1 resource the cluster serves.</summary>
public sealed record ResourceType(string Plural, string Singular, string Kind, bool Namespaced, string[] ShortNames, string[] Verbs)
{
    public string ListKind => Kind + "List";
}

public static class ResourceTypes
{
    private static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static readonly ResourceType Pods = new("pods", "pod", "Pod", true, ["po"], AllVerbs);
    public static readonly ResourceType Namespaces = new("namespaces", "namespace", "Namespace", false, ["ns"], ["create", "delete", "get", "list", "patch", "update", "watch"]);
    public static readonly ResourceType Nodes = new("nodes", "node", "Node", false, ["no"], AllVerbs);
    public static readonly ResourceType Events = new("events", "event", "Event", true, ["ev"], AllVerbs);

    public static IReadOnlyList<ResourceType> All { get; } = [Events, Namespaces, Nodes, Pods];

    /// <summary>Finds a resource by plural ("pods"), singular ("pod"), kind ("Pod") or short name ("po").</summary>
    public static ResourceType? Find(string name)
    {
        foreach (var type in All)
        {
            if (type.Plural == name || type.Singular == name || type.Kind == name || type.ShortNames.Contains(name)) return type;
        }
        return null;
    }

    public static ResourceType Get(string name) =>
        Find(name) ?? throw new ArgumentException($"Unknown resource '{name}'.", nameof(name));
}
