using k8s;
using k8s.Models;
using PodTools.Engine.Connection;
using PodTools.Engine.Model;
using PodTools.Engine.Pods.Watch;
using PodTools.TestCluster;
using PodTools.TestCluster.Testing;

namespace PodTools.Engine.Tests.Pods;

/// <summary>The resumable pod watch against the in-process test cluster.</summary>
public sealed class PodWatchServiceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Reports_existing_pods_then_each_added_modified_and_deleted_pod()
    {
        await using var host = await TestClusterHost.StartAsync(new TestClusterOptions());
        using var cache = new ConnectionCache();
        var connection = await cache.GetConnectionAsync(host.KubeconfigPath, null, default);
        await CreatePodAsync(connection.Client, "default", "old", new() { ["app"] = "w" });
        await CreatePodAsync(connection.Client, "default", "other-app", new() { ["app"] = "x" });
        using var timeout = new CancellationTokenSource(Patience);
        var events = new PodWatchService(connection)
            .WatchAsync(new PodWatchRequest { Namespace = "default", LabelSelector = "app=w" }, cancellationToken: timeout.Token)
            .GetAsyncEnumerator(timeout.Token);

        var initial = await NextAsync(events);
        Assert.Equal((KPodEventType.Added, "old", true), (initial.Type, initial.Name, initial.IsInitial));

        await CreatePodAsync(connection.Client, "default", "new", new() { ["app"] = "w" });
        var added = await NextAsync(events);
        Assert.Equal((KPodEventType.Added, "new", false), (added.Type, added.Name, added.IsInitial));

        await LabelAsync(connection.Client, "default", "old", "tier", "fe");
        var modified = await SkipUntilAsync(events, e => e.Name == "old" && e.Pod.Labels.ContainsKey("tier"));
        Assert.Equal(KPodEventType.Modified, modified.Type);
        Assert.Equal("fe", modified.Pod.Labels["tier"]);

        await connection.Client.CoreV1.DeleteNamespacedPodAsync("new", "default", gracePeriodSeconds: 0);
        var deleted = await SkipUntilAsync(events, e => e.Name == "new" && e.Type == KPodEventType.Deleted);
        Assert.Equal("default", deleted.Namespace);
        await events.DisposeAsync();
    }

    [Fact]
    public async Task Opens_the_next_watch_when_the_server_ends_one_and_misses_nothing()
    {
        await using var host = await TestClusterHost.StartAsync(new TestClusterOptions());
        using var cache = new ConnectionCache();
        var connection = await cache.GetConnectionAsync(host.KubeconfigPath, null, default);
        using var timeout = new CancellationTokenSource(Patience);
        var request = new PodWatchRequest { Namespace = "default", WatchTimeout = TimeSpan.FromSeconds(1) };
        var events = new PodWatchService(connection).WatchAsync(request, cancellationToken: timeout.Token).GetAsyncEnumerator(timeout.Token);
        var pending = events.MoveNextAsync().AsTask();

        // Let at least two watch requests end on the server's timeout before anything happens.
        await WaitForAsync(() => host.Requests.Entries.Count(r => IsWatch(r)) >= 2, "two finished watch requests");
        await CreatePodAsync(connection.Client, "default", "late", []);

        Assert.True(await pending.WaitAsync(Patience));
        Assert.Equal((KPodEventType.Added, "late"), (events.Current.Type, events.Current.Name));
        var watches = host.Requests.Entries.Where(IsWatch).ToList();
        Assert.All(watches, w => Assert.Contains("resourceVersion=", w.Query));
        await events.DisposeAsync();
    }

    [Fact]
    public async Task Lists_again_after_410_Gone_and_reports_what_changed_while_it_could_not_watch()
    {
        await using var host = await TestClusterHost.StartAsync(new TestClusterOptions());
        using var cache = new ConnectionCache();
        var connection = await cache.GetConnectionAsync(host.KubeconfigPath, null, default);
        await CreatePodAsync(connection.Client, "default", "stays", []);
        await CreatePodAsync(connection.Client, "default", "goes", []);
        using var timeout = new CancellationTokenSource(Patience);
        var request = new PodWatchRequest { Namespace = "default", WatchTimeout = TimeSpan.FromSeconds(1) };
        var seen = new System.Collections.Concurrent.ConcurrentQueue<KPodEvent>();
        var consumer = Task.Run(async () =>
        {
            await foreach (var change in new PodWatchService(connection).WatchAsync(request, cancellationToken: timeout.Token))
            {
                seen.Enqueue(change);
            }
        });
        await WaitForAsync(() => seen.Count(e => e.Pod.Status == "Running") >= 2, "both pods running");

        // Make the watch fail (503) so the changes below happen while no watch is open, then compact them away.
        host.Faults.Add(new FaultRule { Verb = "watch", Status = 503 });
        await WaitForAsync(() => host.Requests.Entries.Any(r => IsWatch(r) && r.Status == 503), "a failed watch request");
        int before = seen.Count;
        await CreatePodAsync(connection.Client, "default", "arrives", []);
        await connection.Client.CoreV1.DeleteNamespacedPodAsync("goes", "default", gracePeriodSeconds: 0);
        host.Store.Compact();
        host.Requests.Clear();
        host.Faults.Clear();

        await WaitForAsync(() => seen.Skip(before).Any(e => e.Name == "goes"), "the deletion that happened during the gap");
        var gap = seen.Skip(before).ToList();
        Assert.Contains(gap, e => (e.Type, e.Name) == (KPodEventType.Added, "arrives"));
        Assert.Contains(gap, e => (e.Type, e.Name) == (KPodEventType.Deleted, "goes"));
        Assert.Contains(host.Requests.Entries, r => r.Method == "GET" && !IsWatch(r) && r.Path.EndsWith("/pods", StringComparison.Ordinal));

        // And it goes on watching from the new list.
        await LabelAsync(connection.Client, "default", "stays", "seen", "yes");
        await WaitForAsync(() => seen.Any(e => e.Type == KPodEventType.Modified && e.Pod.Labels.ContainsKey("seen")), "the label change");
        Assert.False(consumer.IsCompleted, "the watch ended");
        await timeout.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => consumer);
    }

    [Fact]
    public async Task Ends_with_Unauthorized_instead_of_retrying_when_the_server_rejects_the_credentials()
    {
        await using var host = await TestClusterHost.StartAsync(new TestClusterOptions());
        using var cache = new ConnectionCache();
        var connection = await cache.GetConnectionAsync(host.KubeconfigPath, "bad-token", default);

        var error = await Assert.ThrowsAsync<Errors.KubeEngineException>(async () =>
        {
            await foreach (var _ in new PodWatchService(connection).WatchAsync(new PodWatchRequest { Namespace = "default" }))
            {
            }
        });
        Assert.Equal("Unauthorized", error.ErrorId);
    }

    [Fact]
    public void Difference_reports_added_modified_recreated_and_deleted_pods()
    {
        var known = new Dictionary<(string, string), KPod>
        {
            [("ns", "same")] = Pod("same", "u1", "1"),
            [("ns", "changed")] = Pod("changed", "u2", "2"),
            [("ns", "recreated")] = Pod("recreated", "u3", "3"),
            [("ns", "gone")] = Pod("gone", "u4", "4"),
        };

        var changes = PodWatchService.Difference(known,
            [Pod("same", "u1", "1"), Pod("changed", "u2", "7"), Pod("recreated", "u9", "8"), Pod("new", "u5", "9")]);

        Assert.Equal(
            new[] { "Modified changed", "Deleted recreated", "Added recreated", "Added new", "Deleted gone" },
            changes.Select(c => $"{c.Type} {c.Name}").ToArray());
        Assert.Equal(new[] { "changed", "new", "recreated", "same" }, known.Keys.Select(k => k.Item2).Order().ToArray());
    }

    private static KPod Pod(string name, string uid, string resourceVersion) => KPod.From(new V1Pod
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", Uid = uid, ResourceVersion = resourceVersion },
    });

    private static bool IsWatch(RequestLogEntry entry) => entry.Query.Contains("watch=true", StringComparison.Ordinal);

    internal static async Task CreatePodAsync(IKubernetes client, string ns, string name, Dictionary<string, string> labels, string image = "nginx",
        Action<V1Pod>? shape = null)
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = image }] },
        };
        shape?.Invoke(pod);
        await client.CoreV1.CreateNamespacedPodAsync(pod, ns);
    }

    internal static Task LabelAsync(IKubernetes client, string ns, string name, string key, string value) =>
        client.CoreV1.PatchNamespacedPodAsync(new V1Patch(
            KubernetesJson.Serialize(new { metadata = new { labels = new Dictionary<string, string> { [key] = value } } }), V1Patch.PatchType.MergePatch), name, ns);

    private static async Task<KPodEvent> NextAsync(IAsyncEnumerator<KPodEvent> events)
    {
        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Patience), "the watch ended");
        return events.Current;
    }

    private static async Task<KPodEvent> SkipUntilAsync(IAsyncEnumerator<KPodEvent> events, Func<KPodEvent, bool> wanted)
    {
        while (true)
        {
            var next = await NextAsync(events);
            if (wanted(next))
            {
                return next;
            }
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
