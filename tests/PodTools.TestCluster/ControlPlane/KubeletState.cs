using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using PodTools.TestCluster.Semantics;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.ControlPlane;

/// <summary>
/// The simulated kubelets of all nodes: one <see cref="PodWorker"/> per pod bound to a known node, pod IPs from
/// each node's pod CIDR, and the per-container runtime state (working directory, log, ports, process) that
/// exec, logs and port-forward endpoints read.
/// </summary>
public sealed class KubeletState
{
    private readonly ConcurrentDictionary<string, PodWorker> _workers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonObject> _nodes = new(StringComparer.Ordinal);
    private readonly object _ipGate = new();
    private readonly Dictionary<string, HashSet<int>> _usedHosts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _podIps = new(StringComparer.Ordinal);

    internal KubeletState(ClusterStore store, ClusterClock clock, string workDirectory)
    {
        Store = store;
        Clock = clock;
        WorkDirectory = workDirectory;
    }

    internal ClusterStore Store { get; }
    public ClusterClock Clock { get; }

    /// <summary>Container working directories live under &lt;WorkDirectory&gt;/&lt;namespace&gt;/&lt;pod&gt;/&lt;container&gt;.</summary>
    public string WorkDirectory { get; }

    /// <summary>Pods the kubelets are running now (adopted pods that were stored already Running are not among them).</summary>
    public IReadOnlyCollection<PodWorker> Pods => _workers.Values.ToList();

    public PodWorker? FindPod(string ns, string name) =>
        _workers.Values.FirstOrDefault(w => w.Namespace == ns && w.Name == name && !w.IsTerminating)
        ?? _workers.Values.FirstOrDefault(w => w.Namespace == ns && w.Name == name);

    /// <summary>A container of a running pod; with no container name, the pod's first app container (kubectl's default).</summary>
    public ContainerRuntime? FindContainer(string ns, string pod, string? container = null)
    {
        var worker = FindPod(ns, pod);
        if (worker is null) return null;
        return container is null
            ? worker.Containers.FirstOrDefault()
            : worker.Containers.Concat(worker.InitContainers).FirstOrDefault(c => c.Name == container);
    }

    internal void OnNodeChanged(WatchEvent e)
    {
        if (e.Type == WatchEvent.Deleted) _nodes.TryRemove(e.Name, out _);
        else _nodes[e.Name] = (JsonObject)e.Object.DeepClone();
    }

    internal void OnPodChanged(WatchEvent e)
    {
        var pod = e.Object;
        var uid = pod.Str("metadata", "uid") ?? "";
        if (e.Type == WatchEvent.Deleted)
        {
            if (_workers.TryGetValue(uid, out var gone)) _ = gone.KillAsync();
            else ReleasePodIp(uid);
            return;
        }
        if (_workers.TryGetValue(uid, out var worker))
        {
            if (pod.Str("metadata", "deletionTimestamp") is not null)
                _ = worker.TerminateAsync(pod.Long("metadata", "deletionGracePeriodSeconds") ?? 30);
            else
                worker.UpdateSpec(pod);
            return;
        }

        var nodeName = pod.Str("spec", "nodeName");
        if (string.IsNullOrEmpty(nodeName) || !_nodes.TryGetValue(nodeName, out var node)) return;
        var deleting = pod.Str("metadata", "deletionTimestamp") is not null;
        var phase = pod.Str("status", "phase");
        if (phase is "Succeeded" or "Failed" or "Running")
        {
            // Finished, or adopted: stored already Running (seeded), so nothing of it runs here.
            ReservePodIp(nodeName, uid, pod.Str("status", "podIP"));
            if (deleting) FinishDeletionOfIdlePod(pod);
            return;
        }
        if (deleting)
        {
            FinishDeletionOfIdlePod(pod);
            return;
        }
        worker = new PodWorker(this, (JsonObject)pod.DeepClone(), InternalIp(node));
        if (_workers.TryAdd(uid, worker)) worker.Start();
    }

    // A pod that has no running containers here can go as soon as it is deleted.
    private void FinishDeletionOfIdlePod(JsonObject pod)
    {
        try
        {
            Store.Delete("pods", pod.Str("metadata", "namespace"), pod.Str("metadata", "name") ?? "", pod.Str("metadata", "uid"));
        }
        catch (StatusException)
        {
            // Already gone.
        }
    }

    internal void Forget(PodWorker worker)
    {
        _workers.TryRemove(KeyValuePair.Create(worker.Uid, worker));
        ReleasePodIp(worker.Uid);
    }

    internal async Task StopAllAsync()
    {
        await Task.WhenAll(_workers.Values.Select(w => w.KillAsync())).ConfigureAwait(false);
    }

    private static string InternalIp(JsonObject node) =>
        node.Objects("status", "addresses").FirstOrDefault(a => a.Str("type") == "InternalIP")?.Str("address") ?? "";

    /// <summary>The next free address of the node's pod CIDR (spec.podCIDR, else 10.244.&lt;node index&gt;.0/24).</summary>
    internal string AllocatePodIp(string nodeName, string uid)
    {
        var prefix = CidrPrefix(nodeName);
        lock (_ipGate)
        {
            if (_podIps.TryGetValue(uid, out var existing)) return existing;
            var used = UsedHosts(nodeName);
            var host = 2; // .0 is the network, .1 the node's bridge
            while (used.Contains(host)) host++;
            used.Add(host);
            var ip = $"{prefix}.{host}";
            _podIps[uid] = ip;
            return ip;
        }
    }

    private void ReservePodIp(string nodeName, string uid, string? ip)
    {
        if (ip is null) return;
        var prefix = CidrPrefix(nodeName) + ".";
        lock (_ipGate)
        {
            _podIps[uid] = ip;
            if (ip.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(ip[prefix.Length..], out var host)) UsedHosts(nodeName).Add(host);
        }
    }

    private void ReleasePodIp(string uid)
    {
        lock (_ipGate)
        {
            if (!_podIps.Remove(uid, out var ip)) return;
            var lastDot = ip.LastIndexOf('.');
            var prefix = ip[..lastDot];
            foreach (var (node, used) in _usedHosts)
                if (CidrPrefix(node) == prefix && int.TryParse(ip[(lastDot + 1)..], out var host)) used.Remove(host);
        }
    }

    private HashSet<int> UsedHosts(string nodeName)
    {
        if (!_usedHosts.TryGetValue(nodeName, out var used)) _usedHosts[nodeName] = used = [];
        return used;
    }

    // The first three octets of a /24 pod CIDR.
    private string CidrPrefix(string nodeName)
    {
        var cidr = _nodes.TryGetValue(nodeName, out var node) ? node.Str("spec", "podCIDR") : null;
        if (cidr is not null && IPNetwork.TryParse(cidr, out var network))
        {
            var bytes = network.BaseAddress.GetAddressBytes();
            if (bytes.Length == 4) return $"{bytes[0]}.{bytes[1]}.{bytes[2]}";
        }
        var index = _nodes.Keys.Order(StringComparer.Ordinal).ToList().IndexOf(nodeName);
        return $"10.244.{Math.Max(index, 0)}";
    }
}
