using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json.Nodes;
using PodTools.TestCluster.Semantics;

namespace PodTools.TestCluster.Store;

// Notes for the control plane (tests/PodTools.TestCluster/ControlPlane):
// - The host calls PodTools.TestCluster.ControlPlane.ControlPlaneRunner.Start(ClusterStore store, ClusterClock clock,
//   string workDirectory) after the initial namespaces and nodes are in the store, and disposes it when the cluster
//   stops (TestClusterHost.ControlPlane exposes it).
// - Resources are named by plural ("pods", "nodes", "namespaces", "events"); kind or short name work too.
// - Objects handed out by Get/List/Create/Update/Delete are private copies. WatchEvent.Object is shared: DeepClone it
//   before changing it.
// - Deleting a pod through the API (grace > 0) sets metadata.deletionTimestamp and deletionGracePeriodSeconds
//   (MODIFIED event); the API server removes it when the grace period ends (DELETED). A kubelet that has stopped
//   the containers earlier may finish the deletion at once with Delete("pods", ns, name, uid).
// - Namespace deletion: the API server deletes the namespace's pods (graceful, as above) and removes the namespace
//   when none are left.
// - The seed endpoint adds pods that are already Running on worker nodes (nodeName, podIP, containerStatuses set):
//   treat a pod whose status already says Running as adopted, do not start it again.
// - master001 carries the kubeadm taint node-role.kubernetes.io/control-plane:NoSchedule, as a real control-plane
//   node does.

/// <summary>
/// The cluster's thread-safe in-memory object store: every write takes one lock, bumps the global
/// resourceVersion and publishes a watch event; reads work on immutable snapshots without the lock.
/// </summary>
public sealed class ClusterStore
{
    private readonly object _gate = new();
    private readonly Dictionary<ResourceType, Table> _tables = ResourceTypes.All.ToDictionary(t => t, _ => new Table());
    private readonly Queue<WatchEvent> _history = new();
    private readonly List<StoreSubscription> _subscriptions = [];
    private readonly ConcurrentDictionary<(string Resource, long ResourceVersion), ListSnapshot> _listSnapshots = new();
    private long _resourceVersion = 1000;
    private long _compactedRevision;

    public ClusterStore(ClusterClock clock, int watchHistoryCapacity = 50_000)
    {
        Clock = clock;
        WatchHistoryCapacity = watchHistoryCapacity;
    }

    public ClusterClock Clock { get; }

    /// <summary>How many past events a watch can replay; older resourceVersions get 410 Expired.</summary>
    public int WatchHistoryCapacity { get; }

    /// <summary>The latest resourceVersion handed out.</summary>
    public long ResourceVersion => Interlocked.Read(ref _resourceVersion);

    /// <summary>
    /// Raised for every change, in order, while the store's write lock is held: handlers must be quick and must
    /// not wait for other threads that write to the store (prefer Subscribe for real work).
    /// </summary>
    public event Action<WatchEvent>? Changed;

    public JsonObject? Get(string resource, string? ns, string name) =>
        Find(ResourceTypes.Get(resource), ns, name)?.Clone();

    /// <summary>All objects of a resource (in one namespace, or all when ns is null), ordered by namespace and name.</summary>
    public IReadOnlyList<JsonObject> List(string resource, string? ns = null)
    {
        var type = ResourceTypes.Get(resource);
        return Snapshot(type).Items.Values.Where(o => ns is null || o.Namespace == ns).Select(o => o.Clone()).ToList();
    }

    /// <summary>
    /// Stores a new object (metadata.namespace must name an existing, non-terminating namespace for namespaced
    /// resources). Sets uid, creationTimestamp and resourceVersion, and a name from generateName when name is empty.
    /// With dryRun nothing is stored and no resourceVersion is assigned. Throws StatusException (404, 403, 409).
    /// </summary>
    public JsonObject Create(string resource, JsonObject obj, bool dryRun = false)
    {
        var type = ResourceTypes.Get(resource);
        lock (_gate)
        {
            return CreateLocked(type, obj, dryRun).Clone();
        }
    }

    /// <summary>
    /// Atomic read-modify-write: mutate gets a private copy of the current object and returns the new object, or
    /// null to leave it unchanged (then Update returns null). Name, namespace, uid and creationTimestamp are kept.
    /// An update that changes nothing keeps the resourceVersion and sends no event. Throws 404 when missing.
    /// </summary>
    public JsonObject? Update(string resource, string? ns, string name, Func<JsonObject, JsonObject?> mutate, bool dryRun = false)
    {
        var type = ResourceTypes.Get(resource);
        lock (_gate)
        {
            return UpdateLocked(type, ns, name, mutate, dryRun)?.Clone();
        }
    }

    /// <summary>
    /// Removes an object at once (no grace period) and returns its last state. uid and resourceVersion, when
    /// given, are preconditions (409 Conflict when they differ). Throws 404 when missing.
    /// </summary>
    public JsonObject Delete(string resource, string? ns, string name, string? uid = null, string? resourceVersion = null, bool dryRun = false)
    {
        var type = ResourceTypes.Get(resource);
        lock (_gate)
        {
            return DeleteLocked(type, ns, name, uid, resourceVersion, dryRun).Clone();
        }
    }

    /// <summary>
    /// Records a core/v1 Event about involvedObject (a stored object, with kind and metadata). type is "Normal" or
    /// "Warning"; source is the component, optionally "/host" ("kubelet/worker001"). A repeat of the same event
    /// bumps count and lastTimestamp, as client-go's recorder does. Never throws for a missing namespace.
    /// </summary>
    public void RecordEvent(JsonObject involvedObject, string type, string reason, string message, string source, string? fieldPath = null)
    {
        var metadata = involvedObject["metadata"] as JsonObject ?? new JsonObject();
        var involvedName = (string?)metadata["name"] ?? "";
        var involvedNamespace = (string?)metadata["namespace"];
        var involvedUid = (string?)metadata["uid"] ?? "";
        var eventNamespace = involvedNamespace ?? "default";
        var slash = source.IndexOf('/');
        var component = slash < 0 ? source : source[..slash];
        var host = slash < 0 ? null : source[(slash + 1)..];
        var now = ClusterClock.FormatTime(Clock.UtcNow);

        lock (_gate)
        {
            var existing = Snapshot(ResourceTypes.Events).Items.Values.FirstOrDefault(e =>
                e.Namespace == eventNamespace
                && (string?)e.Object["involvedObject"]?["uid"] == involvedUid
                && (string?)e.Object["involvedObject"]?["fieldPath"] == fieldPath
                && (string?)e.Object["reason"] == reason
                && (string?)e.Object["message"] == message
                && (string?)e.Object["type"] == type
                && (string?)e.Object["source"]?["component"] == component);
            try
            {
                if (existing is not null)
                {
                    UpdateLocked(ResourceTypes.Events, existing.Namespace, existing.Name, e =>
                    {
                        e["count"] = ((int?)e["count"] ?? 1) + 1;
                        e["lastTimestamp"] = now;
                        return e;
                    }, dryRun: false);
                    return;
                }

                var involved = new JsonObject
                {
                    ["kind"] = (string?)involvedObject["kind"],
                    ["namespace"] = involvedNamespace,
                    ["name"] = involvedName,
                    ["uid"] = involvedUid,
                    ["apiVersion"] = (string?)involvedObject["apiVersion"] ?? "v1",
                    ["resourceVersion"] = (string?)metadata["resourceVersion"],
                };
                if (involvedNamespace is null) involved.Remove("namespace");
                if (fieldPath is not null) involved["fieldPath"] = fieldPath;
                var sourceObject = new JsonObject { ["component"] = component };
                if (host is not null) sourceObject["host"] = host;
                // client-go names events "<object>.<UnixNano in hex>"; bump on a collision so no event is lost.
                var unixNano = (Clock.UtcNow - DateTime.UnixEpoch).Ticks * 100;
                while (Find(ResourceTypes.Events, eventNamespace, $"{involvedName}.{unixNano:x}") is not null) unixNano++;
                var evt = new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = $"{involvedName}.{unixNano:x}",
                        ["namespace"] = eventNamespace,
                    },
                    ["involvedObject"] = involved,
                    ["reason"] = reason,
                    ["message"] = message,
                    ["source"] = sourceObject,
                    ["firstTimestamp"] = now,
                    ["lastTimestamp"] = now,
                    ["count"] = 1,
                    ["type"] = type,
                    ["eventTime"] = null,
                    ["reportingComponent"] = component,
                    ["reportingInstance"] = host ?? "",
                };
                CreateLocked(ResourceTypes.Events, evt, dryRun: false);
            }
            catch (StatusException)
            {
                // The namespace is gone or terminating; a real event recorder drops the event too.
            }
        }
    }

    /// <summary>
    /// Subscribes to changes of one resource (or all when resource is null), optionally in one namespace.
    /// Without fromResourceVersion the current objects come first as ADDED events; with it, the recorded events
    /// after that version are replayed first (410 Expired StatusException when it is older than the history).
    /// </summary>
    public StoreSubscription Subscribe(string? resource = null, string? ns = null, long? fromResourceVersion = null)
    {
        var type = resource is null ? null : ResourceTypes.Get(resource);
        lock (_gate)
        {
            var subscription = new StoreSubscription(type, ns, RemoveSubscription);
            var replayed = 0;
            if (fromResourceVersion is long from)
            {
                if (from < _compactedRevision)
                {
                    throw StatusException.Expired($"too old resource version: {from} ({_compactedRevision + 1})");
                }
                foreach (var e in _history)
                {
                    if (e.ResourceVersion > from && subscription.Accepts(e))
                    {
                        subscription.Publish(e);
                        replayed++;
                    }
                }
            }
            else
            {
                var types = type is null ? ResourceTypes.All : [type];
                foreach (var t in types)
                {
                    foreach (var obj in _tables[t].Items.Values)
                    {
                        if (ns is null || obj.Namespace == ns)
                        {
                            subscription.Publish(new WatchEvent(WatchEvent.Added, obj, null));
                            replayed++;
                        }
                    }
                }
            }
            subscription.InitialEventCount = replayed;
            _subscriptions.Add(subscription);
            return subscription;
        }
    }

    /// <summary>Forgets all recorded watch history and list snapshots, as etcd compaction does.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _history.Clear();
            _compactedRevision = _resourceVersion;
            _listSnapshots.Clear();
        }
    }

    /// <summary>Events with a resourceVersion at or below this are no longer replayable.</summary>
    public long CompactedRevision
    {
        get { lock (_gate) return _compactedRevision; }
    }

    // ---- internal surface for the API server ----

    internal sealed class Table
    {
        public volatile ImmutableSortedDictionary<string, StoredObject> Items =
            ImmutableSortedDictionary.Create<string, StoredObject>(StringComparer.Ordinal);
    }

    /// <summary>A consistent view of one resource at one resourceVersion.</summary>
    internal sealed record ListSnapshot(ImmutableSortedDictionary<string, StoredObject> Items, long ResourceVersion, DateTime TakenAtUtc);

    internal ListSnapshot Snapshot(ResourceType type)
    {
        lock (_gate) return new ListSnapshot(_tables[type].Items, _resourceVersion, DateTime.UtcNow);
    }

    /// <summary>The latest resourceVersion whose event has been published to every subscription.</summary>
    internal long CommittedResourceVersion()
    {
        lock (_gate) return _resourceVersion;
    }

    internal StoredObject? Find(ResourceType type, string? ns, string name) =>
        _tables[type].Items.GetValueOrDefault(StoredObject.KeyOf(type.Namespaced ? ns : null, name));

    /// <summary>Keeps a list snapshot so that continue tokens page through one consistent view, like etcd reads at a revision.</summary>
    internal void RememberSnapshot(ResourceType type, ListSnapshot snapshot)
    {
        _listSnapshots[(type.Plural, snapshot.ResourceVersion)] = snapshot;
        if (_listSnapshots.Count > 32)
        {
            foreach (var oldest in _listSnapshots.OrderBy(p => p.Value.TakenAtUtc).Take(_listSnapshots.Count - 32))
            {
                _listSnapshots.TryRemove(oldest.Key, out _);
            }
        }
    }

    internal ListSnapshot? FindSnapshot(ResourceType type, long resourceVersion) =>
        _listSnapshots.GetValueOrDefault((type.Plural, resourceVersion));

    internal StoredObject CreateStored(ResourceType type, JsonObject obj, bool dryRun)
    {
        lock (_gate) return CreateLocked(type, obj, dryRun);
    }

    internal StoredObject? UpdateStored(ResourceType type, string? ns, string name, Func<JsonObject, JsonObject?> mutate, bool dryRun)
    {
        lock (_gate) return UpdateLocked(type, ns, name, mutate, dryRun);
    }

    internal StoredObject DeleteStored(ResourceType type, string? ns, string name, string? uid, string? resourceVersion, bool dryRun)
    {
        lock (_gate) return DeleteLocked(type, ns, name, uid, resourceVersion, dryRun);
    }

    /// <summary>Creates many pods under one lock (the seed endpoint).</summary>
    internal int CreateManyPods(IEnumerable<JsonObject> objects)
    {
        var type = ResourceTypes.Pods;
        var count = 0;
        lock (_gate)
        {
            foreach (var obj in objects)
            {
                CreateLocked(type, obj, dryRun: false);
                count++;
            }
        }
        return count;
    }

    private StoredObject CreateLocked(ResourceType type, JsonObject obj, bool dryRun)
    {
        var metadata = obj["metadata"] as JsonObject;
        if (metadata is null) obj["metadata"] = metadata = new JsonObject();
        var name = (string?)metadata["name"] ?? "";
        string? ns = null;
        if (type.Namespaced)
        {
            ns = (string?)metadata["namespace"];
            if (string.IsNullOrEmpty(ns)) metadata["namespace"] = ns = "default";
            var nsObject = Find(ResourceTypes.Namespaces, null, ns) ?? throw StatusException.NotFound("namespaces", ns);
            if (nsObject.IsTerminating)
            {
                throw StatusException.Forbidden(type.Plural, name,
                    $"unable to create new content in namespace {ns} because it is being terminated");
            }
        }
        else
        {
            metadata.Remove("namespace");
        }

        if (name.Length == 0 && metadata["generateName"] is JsonValue generateName)
        {
            do
            {
                name = (string?)generateName + NameSuffix();
            } while (Find(type, ns, name) is not null);
            metadata["name"] = name;
        }
        if (name.Length == 0)
        {
            throw StatusException.Invalid(type.Kind, "", [new StatusCause("FieldValueRequired", "Required value: name or generateName is required", "metadata.name")]);
        }
        if (Find(type, ns, name) is not null) throw StatusException.AlreadyExists(type.Plural, name);

        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = ClusterClock.FormatTime(Clock.UtcNow);
        metadata.Remove("deletionTimestamp");
        metadata.Remove("deletionGracePeriodSeconds");
        metadata.Remove("resourceVersion");
        if (dryRun) return StoredObject.Create(type, obj);

        metadata["resourceVersion"] = NextResourceVersion().ToString();
        var stored = StoredObject.Create(type, obj);
        Commit(WatchEvent.Added, stored, null);
        return stored;
    }

    private StoredObject? UpdateLocked(ResourceType type, string? ns, string name, Func<JsonObject, JsonObject?> mutate, bool dryRun)
    {
        var current = Find(type, ns, name) ?? throw StatusException.NotFound(type.Plural, name);
        var updated = mutate(current.Clone());
        if (updated is null) return null;

        var metadata = updated["metadata"] as JsonObject;
        if (metadata is null) updated["metadata"] = metadata = new JsonObject();
        var currentMetadata = (JsonObject)current.Object["metadata"]!;
        foreach (var key in new[] { "name", "namespace", "uid", "creationTimestamp" })
        {
            metadata[key] = currentMetadata[key]?.DeepClone();
        }
        if (!type.Namespaced) metadata.Remove("namespace");
        metadata["resourceVersion"] = current.ResourceVersion.ToString();

        var unchanged = StoredObject.Create(type, updated);
        if (unchanged.ItemJson.AsSpan().SequenceEqual(current.ItemJson)) return current;
        if (dryRun) return unchanged;

        metadata["resourceVersion"] = NextResourceVersion().ToString();
        var stored = StoredObject.Create(type, updated);
        Commit(WatchEvent.Modified, stored, current);
        if (IsReleasedForRemoval(stored))
        {
            // The last finalizer of a pod whose grace period is over was removed: the deletion completes now.
            return DeleteLocked(type, ns, name, null, null, dryRun: false);
        }
        return stored;
    }

    private static bool IsReleasedForRemoval(StoredObject stored) =>
        ReferenceEquals(stored.Type, ResourceTypes.Pods)
        && stored.IsTerminating
        && (long?)stored.Object["metadata"]?["deletionGracePeriodSeconds"] == 0
        && stored.Object["metadata"]?["finalizers"] is not JsonArray { Count: > 0 };

    private StoredObject DeleteLocked(ResourceType type, string? ns, string name, string? uid, string? resourceVersion, bool dryRun)
    {
        var current = Find(type, ns, name) ?? throw StatusException.NotFound(type.Plural, name);
        if (!string.IsNullOrEmpty(uid) && uid != current.Uid)
        {
            throw new StatusException(409, "Conflict",
                $"Operation cannot be fulfilled on {type.Plural} \"{name}\": Precondition failed: UID in precondition: {uid}, UID in object meta: {current.Uid}",
                new JsonObject { ["name"] = name, ["kind"] = type.Plural });
        }
        if (!string.IsNullOrEmpty(resourceVersion) && resourceVersion != current.ResourceVersion.ToString())
        {
            throw new StatusException(409, "Conflict",
                $"Operation cannot be fulfilled on {type.Plural} \"{name}\": Precondition failed: ResourceVersion in precondition: {resourceVersion}, ResourceVersion in object meta: {current.ResourceVersion}",
                new JsonObject { ["name"] = name, ["kind"] = type.Plural });
        }
        if (dryRun) return current;

        // The DELETED event carries the object's last state at the deletion's resourceVersion, as etcd reports it.
        var last = current.Clone();
        ((JsonObject)last["metadata"]!)["resourceVersion"] = NextResourceVersion().ToString();
        var deleted = StoredObject.Create(type, last);
        Commit(WatchEvent.Deleted, deleted, current);
        return deleted;
    }

    private void Commit(string eventType, StoredObject stored, StoredObject? previous)
    {
        var table = _tables[stored.Type];
        table.Items = eventType == WatchEvent.Deleted ? table.Items.Remove(stored.Key) : table.Items.SetItem(stored.Key, stored);

        var e = new WatchEvent(eventType, stored, previous);
        previous?.ForgetTree();
        _history.Enqueue(e);
        while (_history.Count > WatchHistoryCapacity)
        {
            _compactedRevision = _history.Dequeue().ResourceVersion;
        }
        foreach (var subscription in _subscriptions)
        {
            if (subscription.Accepts(e)) subscription.Publish(e);
        }
        try
        {
            Changed?.Invoke(e);
        }
        catch (Exception ex)
        {
            // A failing observer must not undo or half-apply a committed write.
            Console.Error.WriteLine($"ClusterStore.Changed handler failed: {ex}");
        }
    }

    private long NextResourceVersion() => Interlocked.Increment(ref _resourceVersion);

    private void RemoveSubscription(StoreSubscription subscription)
    {
        lock (_gate) _subscriptions.Remove(subscription);
    }

    // Same alphabet as apimachinery's rand.String: no vowels or confusable characters.
    internal static string NameSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        Span<char> chars = stackalloc char[5];
        for (var i = 0; i < chars.Length; i++) chars[i] = alphabet[Random.Shared.Next(alphabet.Length)];
        return new string(chars);
    }
}
