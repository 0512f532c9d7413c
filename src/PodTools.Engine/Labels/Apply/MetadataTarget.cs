using PodTools.Engine.Model;

namespace PodTools.Engine.Labels.Apply;

/// <summary>The kinds of object whose labels and annotations PodTools edits.</summary>
public enum MetadataResource
{
    /// <summary>Pods (namespaced).</summary>
    Pod,
    /// <summary>Nodes (cluster-scoped).</summary>
    Node,
    /// <summary>Namespaces (cluster-scoped).</summary>
    Namespace,
}

/// <summary>
/// One object to edit: its name, namespace, and, when it was read (a list, a pipeline pod), its current labels,
/// annotations and resourceVersion. Unknown values are null; the edit reads the object only if it must.
/// </summary>
public sealed class MetadataTarget
{
    /// <summary>Creates a target; pass the maps as read from the object, or null when the object was not read.</summary>
    public MetadataTarget(MetadataResource resource, string name, string? @namespace,
        IReadOnlyDictionary<string, string>? labels = null, IReadOnlyDictionary<string, string>? annotations = null,
        string? resourceVersion = null, object? source = null)
        : this(resource, name, @namespace, labels, annotations, resourceVersion, source, null)
    {
    }

    // sourceFactory: list items become PodTools objects only when one is written (-PassThru on an unchanged object),
    // so a thousand-pod relabel does not compute a thousand STATUS columns nobody sees.
    internal MetadataTarget(MetadataResource resource, string name, string? @namespace,
        IReadOnlyDictionary<string, string>? labels, IReadOnlyDictionary<string, string>? annotations,
        string? resourceVersion, object? source, Func<object>? sourceFactory)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (resource == MetadataResource.Pod)
        {
            ArgumentException.ThrowIfNullOrEmpty(@namespace);
        }

        Resource = resource;
        Name = name;
        Namespace = resource == MetadataResource.Pod ? @namespace : null;
        Labels = labels;
        Annotations = annotations;
        ResourceVersion = resourceVersion;
        _source = source;
        _sourceFactory = sourceFactory;
    }

    private object? _source;
    private Func<object>? _sourceFactory;

    public MetadataResource Resource { get; }

    public string Name { get; }

    /// <summary>The pod's namespace; null for cluster-scoped objects.</summary>
    public string? Namespace { get; }

    /// <summary>Current labels, or null when the object was not read.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; }

    /// <summary>Current annotations, or null when the object was not read.</summary>
    public IReadOnlyDictionary<string, string>? Annotations { get; }

    /// <summary>The resourceVersion the object had when it was read.</summary>
    public string? ResourceVersion { get; }

    /// <summary>The object as read (a <see cref="KPod"/>, <see cref="KNode"/> or <see cref="KNamespace"/>), emitted unchanged when nothing needs to change.</summary>
    public object? Source
    {
        get
        {
            if (_source is null && _sourceFactory is not null)
            {
                _source = _sourceFactory();
                _sourceFactory = null;
            }

            return _source;
        }
    }

    /// <summary>True when the current labels and annotations are known.</summary>
    public bool IsRead => Labels is not null && Annotations is not null;

    /// <summary>The current map of <paramref name="kind"/>, or null when unknown.</summary>
    public IReadOnlyDictionary<string, string>? Current(MetadataKind kind) => kind == MetadataKind.Labels ? Labels : Annotations;

    /// <summary>The ShouldProcess target: <c>pod 'web-1' in namespace 'prod'</c>, <c>node 'worker001'</c>.</summary>
    public string Description => Resource switch
    {
        MetadataResource.Pod => $"pod '{Name}' in namespace '{Namespace}'",
        MetadataResource.Node => $"node '{Name}'",
        _ => $"namespace '{Name}'",
    };

    /// <summary>A pod from the pipeline: its labels, annotations and resourceVersion as it was read.</summary>
    public static MetadataTarget FromPod(KPod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var metadata = pod.Object.Metadata;
        return new MetadataTarget(MetadataResource.Pod, pod.Name, pod.Namespace,
            Copy(metadata?.Labels), Copy(metadata?.Annotations), metadata?.ResourceVersion, pod);
    }

    /// <summary>A node as read.</summary>
    public static MetadataTarget FromNode(KNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var metadata = node.Object.Metadata;
        return new MetadataTarget(MetadataResource.Node, node.Name, null,
            Copy(metadata?.Labels), Copy(metadata?.Annotations), metadata?.ResourceVersion, node);
    }

    /// <summary>A namespace as read.</summary>
    public static MetadataTarget FromNamespace(KNamespace item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var metadata = item.Object.Metadata;
        return new MetadataTarget(MetadataResource.Namespace, item.Name, null,
            Copy(metadata?.Labels), Copy(metadata?.Annotations), metadata?.ResourceVersion, item);
    }

    public override string ToString() => Description;

    internal static IReadOnlyDictionary<string, string> Copy(IDictionary<string, string>? map) =>
        map is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(map, StringComparer.Ordinal);

    /// <summary>A pod from a list: its maps are used as they are (nothing else holds the list), the KPod made on demand.</summary>
    internal static MetadataTarget FromListedPod(k8s.Models.V1Pod pod)
    {
        var metadata = pod.Metadata;
        return new MetadataTarget(MetadataResource.Pod, metadata.Name, metadata.NamespaceProperty,
            AsReadOnly(metadata.Labels), AsReadOnly(metadata.Annotations), metadata.ResourceVersion, null,
            () => KPod.From(pod));
    }

    private static IReadOnlyDictionary<string, string> AsReadOnly(IDictionary<string, string>? map) =>
        map as IReadOnlyDictionary<string, string> ?? Copy(map);
}
