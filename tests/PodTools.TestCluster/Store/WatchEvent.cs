using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace PodTools.TestCluster.Store;

/// <summary>One change in the store, in resourceVersion order.</summary>
public sealed class WatchEvent
{
    public const string Added = "ADDED";
    public const string Modified = "MODIFIED";
    public const string Deleted = "DELETED";

    internal WatchEvent(string type, StoredObject current, StoredObject? previous)
    {
        Type = type;
        Current = current;
        Previous = previous;
    }

    /// <summary>ADDED, MODIFIED or DELETED.</summary>
    public string Type { get; }

    /// <summary>Plural resource name: "pods", "nodes", "namespaces", "events".</summary>
    public string Resource => Current.Type.Plural;
    public string? Namespace => Current.Namespace;
    public string Name => Current.Name;
    public long ResourceVersion => Current.ResourceVersion;

    /// <summary>The object after the change (for DELETED: its last state). Shared and read-only: DeepClone() it before changing it.</summary>
    public JsonObject Object => Current.Object;

    /// <summary>The object before the change (null for ADDED). Shared and read-only.</summary>
    public JsonObject? OldObject => Previous?.Object;

    /// <summary>Labels of Object.</summary>
    public IReadOnlyDictionary<string, string> Labels => Current.Labels;

    internal StoredObject Current { get; }
    internal StoredObject? Previous { get; }
}

/// <summary>A live subscription to store changes; dispose it to stop receiving.</summary>
public sealed class StoreSubscription : IDisposable
{
    private readonly Action<StoreSubscription> _unsubscribe;
    private readonly Channel<WatchEvent> _channel = Channel.CreateUnbounded<WatchEvent>(new UnboundedChannelOptions { SingleReader = true });

    internal StoreSubscription(ResourceType? type, string? ns, Action<StoreSubscription> unsubscribe)
    {
        Type = type;
        Namespace = ns;
        _unsubscribe = unsubscribe;
    }

    internal ResourceType? Type { get; }

    /// <summary>How many events (current objects or replayed history) were queued before live changes.</summary>
    public int InitialEventCount { get; internal set; }
    internal string? Namespace { get; }

    /// <summary>Events in order; for a watch from a resourceVersion, the replayed history comes first.</summary>
    public ChannelReader<WatchEvent> Events => _channel.Reader;

    internal bool Accepts(WatchEvent e) =>
        (Type is null || ReferenceEquals(Type, e.Current.Type)) && (Namespace is null || Namespace == e.Current.Namespace);

    internal void Publish(WatchEvent e) => _channel.Writer.TryWrite(e);

    public void Dispose()
    {
        _unsubscribe(this);
        _channel.Writer.TryComplete();
    }
}
