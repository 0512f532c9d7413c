using k8s;
using k8s.Models;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;
using PodTools.Engine.Pods.Wait;
using PodTools.TestCluster;
using PodTools.TestCluster.Testing;
using static PodTools.Engine.Tests.Pods.PodWatchServiceTests;

namespace PodTools.Engine.Tests.Pods;

/// <summary>PodWaiter against the in-process test cluster: conditions reached, failures reported early, timeouts.</summary>
public sealed class PodWaiterTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private TestClusterHost _host = null!;
    private ConnectionCache _cache = null!;
    private KubeConnection _connection = null!;

    public async Task InitializeAsync()
    {
        _host = await TestClusterHost.StartAsync(new TestClusterOptions());
        _cache = new ConnectionCache();
        _connection = await _cache.GetConnectionAsync(_host.KubeconfigPath, null, default);
    }

    public async Task DisposeAsync()
    {
        _cache.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Returns_the_pod_once_it_is_Ready_and_watches_instead_of_polling()
    {
        await CreatePodAsync(_connection.Client, "default", "web", []);

        var pod = await new PodWaiter(_connection).WaitAsync("default", "web", PodCondition.Ready, Patience);

        Assert.Equal(("web", "Running", "1/1"), (pod!.Name, pod.Status, pod.Ready));
        // The server logs a request when its handler ends; the watch the waiter just cancelled ends a moment later.
        List<RequestLogEntry> requests = [];
        for (var deadline = DateTime.UtcNow.AddSeconds(5); DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            requests = _host.Requests.Entries.Where(r => r.Path.EndsWith("/pods", StringComparison.Ordinal) && r.Method == "GET").ToList();
            if (requests.Any(r => r.Query.Contains("watch=true")))
            {
                break;
            }
        }
        Assert.Contains(requests, r => r.Query.Contains("watch=true") && r.Query.Contains("fieldSelector=metadata.name%3Dweb"));
        Assert.True(requests.Count(r => !r.Query.Contains("watch=true")) == 1, "expected one list, then only the watch");
    }

    [Fact]
    public async Task Fails_with_the_reason_when_the_container_crash_loops_instead_of_waiting_for_the_timeout()
    {
        await CreatePodAsync(_connection.Client, "default", "crasher", [], image: "busybox:crash");
        var started = DateTime.UtcNow;
        var waiter = new PodWaiter(_connection);

        // Completed never comes for a restarting container; Ready is over once it is in back-off.
        var completed = await Assert.ThrowsAsync<KubeEngineException>(() =>
            waiter.WaitAsync("default", "crasher", PodCondition.Completed, TimeSpan.FromMinutes(5)));
        var ready = await Assert.ThrowsAsync<KubeEngineException>(() =>
            waiter.WaitAsync("default", "crasher", PodCondition.Ready, TimeSpan.FromMinutes(5)));

        foreach (var error in new[] { completed, ready })
        {
            Assert.Equal(("PodFailed", KubeErrorCategory.ResourceUnavailable, "CrashLoopBackOff"), (error.ErrorId, error.Category, error.Reason));
            Assert.Contains("CrashLoopBackOff", error.Message);
        }

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Fails_with_ImagePullBackOff_when_the_image_does_not_exist()
    {
        await CreatePodAsync(_connection.Client, "default", "typo", [], image: "nginx:missing");

        var error = await Assert.ThrowsAsync<KubeEngineException>(() =>
            new PodWaiter(_connection).WaitAsync("default", "typo", PodCondition.Ready, TimeSpan.FromMinutes(5)));

        Assert.Equal(("PodFailed", "ImagePullBackOff"), (error.ErrorId, error.Reason));
    }

    [Fact]
    public async Task Fails_with_the_schedulers_message_when_no_node_fits()
    {
        await CreatePodAsync(_connection.Client, "default", "nowhere", [], shape: p => p.Spec.NodeSelector = new Dictionary<string, string> { ["gpu"] = "none" });

        var error = await Assert.ThrowsAsync<KubeEngineException>(() =>
            new PodWaiter(_connection).WaitAsync("default", "nowhere", PodCondition.Running, Patience));

        Assert.Equal(("PodFailed", "Unschedulable"), (error.ErrorId, error.Reason));
        Assert.Contains("node(s) didn't match Pod's node affinity/selector", error.Message);
    }

    [Fact]
    public async Task Waits_for_a_pod_that_runs_to_completion()
    {
        await CreatePodAsync(_connection.Client, "default", "job", [], image: "busybox:exit0", shape: p => p.Spec.RestartPolicy = "Never");

        var pod = await new PodWaiter(_connection).WaitAsync("default", "job", PodCondition.Completed, Patience);

        Assert.Equal("Completed", pod!.Status);
    }

    [Fact]
    public async Task Times_out_with_WaitTimeout_naming_the_pod_and_its_status()
    {
        await CreatePodAsync(_connection.Client, "default", "slow", [], image: "nginx:slow");

        var error = await Assert.ThrowsAsync<KubeEngineException>(() =>
            new PodWaiter(_connection).WaitAsync("default", "slow", PodCondition.Ready, TimeSpan.FromMilliseconds(700)));

        Assert.Equal(("WaitTimeout", KubeErrorCategory.OperationTimeout, (object?)"slow"), (error.ErrorId, error.Category, error.Target));
        Assert.Contains("pod 'slow' in namespace 'default' to be Ready (status: ", error.Message);
    }

    [Fact]
    public async Task Returns_when_the_pod_is_gone_and_at_once_for_a_pod_that_does_not_exist()
    {
        await CreatePodAsync(_connection.Client, "default", "doomed", []);
        var waiter = new PodWaiter(_connection);
        var waiting = waiter.WaitAsync("default", "doomed", PodCondition.Deleted, Patience);
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);

        await _connection.Client.CoreV1.DeleteNamespacedPodAsync("doomed", "default", gracePeriodSeconds: 0);

        Assert.Equal("doomed", (await waiting)!.Name);
        Assert.Null(await waiter.WaitAsync("default", "never-was", PodCondition.Deleted, Patience));
    }

    [Fact]
    public async Task Counts_a_pod_recreated_under_the_same_name_as_deleted()
    {
        await CreatePodAsync(_connection.Client, "default", "phoenix", []);
        var first = await _connection.Client.CoreV1.ReadNamespacedPodAsync("phoenix", "default");
        var waiting = new PodWaiter(_connection).WaitAsync("default", "phoenix", PodCondition.Deleted, Patience, uid: first.Metadata.Uid);

        await _connection.Client.CoreV1.DeleteNamespacedPodAsync("phoenix", "default", gracePeriodSeconds: 0);
        await CreatePodAsync(_connection.Client, "default", "phoenix", []);

        await waiting.WaitAsync(Patience);
    }

    [Fact]
    public async Task Reports_PodNotFound_for_a_missing_pod_and_for_one_deleted_while_waiting()
    {
        var waiter = new PodWaiter(_connection);
        var missing = await Assert.ThrowsAsync<KubeEngineException>(() => waiter.WaitAsync("default", "ghost", PodCondition.Ready, Patience));
        Assert.Equal(("PodNotFound", KubeErrorCategory.ObjectNotFound), (missing.ErrorId, missing.Category));

        await CreatePodAsync(_connection.Client, "default", "brief", [], image: "nginx:slow");
        var waiting = waiter.WaitAsync("default", "brief", PodCondition.Ready, Patience);
        await _connection.Client.CoreV1.DeleteNamespacedPodAsync("brief", "default", gracePeriodSeconds: 0);
        var deleted = await Assert.ThrowsAsync<KubeEngineException>(() => waiting);
        Assert.Equal("PodNotFound", deleted.ErrorId);
        Assert.Contains("was deleted while waiting", deleted.Message);
    }
}
