using System.Text.Json.Nodes;

namespace PodTools.TestCluster.Tests.ControlPlane;

public class SchedulerTests
{
    private const string NoDiskNodeMessage =
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";

    [Fact]
    public async Task Binds_a_pod_to_the_node_its_nodeSelector_names_and_reports_Scheduled()
    {
        await using var cluster = ControlPlaneFixture.Start();
        cluster.CreatePod("""{"metadata":{"name":"pinned"},"spec":{"nodeSelector":{"kubernetes.io/hostname":"worker002"},"containers":[{"name":"app","image":"nginx"}]}}""");

        var pod = await cluster.WaitForPod("pinned", p => (string?)p["spec"]!["nodeName"] is not null);
        Assert.Equal("worker002", (string?)pod["spec"]!["nodeName"]);
        Assert.Equal("True", (string?)pod.Condition("PodScheduled")!["status"]);
        await cluster.WaitUntil(() => cluster.EventsFor("pinned").Any(e => (string?)e["reason"] == "Scheduled"), "Scheduled event");
        var scheduled = cluster.EventsFor("pinned").Single(e => (string?)e["reason"] == "Scheduled");
        Assert.Equal("Successfully assigned default/pinned to worker002", (string?)scheduled["message"]);
        Assert.Equal("default-scheduler", (string?)scheduled["source"]!["component"]);
        Assert.Equal("Normal", (string?)scheduled["type"]);
    }

    [Fact]
    public async Task Spreads_pods_over_the_workers_and_keeps_them_off_the_tainted_control_plane()
    {
        await using var cluster = ControlPlaneFixture.Start();
        for (var i = 0; i < 4; i++)
        {
            cluster.CreatePod($$$"""{"metadata":{"name":"spread-{{{i}}}"},"spec":{"containers":[{"name":"app","image":"nginx"}]}}""");
            await cluster.WaitForPod($"spread-{i}", p => (string?)p["spec"]!["nodeName"] is not null);
        }
        var nodes = Enumerable.Range(0, 4).Select(i => (string?)cluster.Pod($"spread-{i}")["spec"]!["nodeName"]).ToList();
        Assert.Equal(2, nodes.Count(n => n == "worker001"));
        Assert.Equal(2, nodes.Count(n => n == "worker002"));
    }

    [Fact]
    public async Task A_pod_no_node_fits_stays_Pending_with_the_schedulers_message_and_a_FailedScheduling_event()
    {
        await using var cluster = ControlPlaneFixture.Start();
        cluster.CreatePod("""{"metadata":{"name":"picky"},"spec":{"nodeSelector":{"disk":"ssd"},"containers":[{"name":"app","image":"nginx"}]}}""");

        var pod = await cluster.WaitForPod("picky", p => p.Condition("PodScheduled") is not null);
        var condition = pod.Condition("PodScheduled")!;
        Assert.Equal("False", (string?)condition["status"]);
        Assert.Equal("Unschedulable", (string?)condition["reason"]);
        Assert.Equal(NoDiskNodeMessage, (string?)condition["message"]);
        Assert.Equal("Pending", pod.Phase());
        Assert.Null(pod["spec"]!["nodeName"]);

        await cluster.WaitUntil(() => cluster.EventsFor("picky").Any(), "FailedScheduling event");
        var failed = Assert.Single(cluster.EventsFor("picky"));
        Assert.Equal("FailedScheduling", (string?)failed["reason"]);
        Assert.Equal("Warning", (string?)failed["type"]);
        Assert.Equal("default-scheduler", (string?)failed["source"]!["component"]);
        Assert.Equal(NoDiskNodeMessage, (string?)failed["message"]);
    }

    [Fact]
    public async Task Labelling_a_node_later_lets_a_pending_pod_schedule()
    {
        await using var cluster = ControlPlaneFixture.Start();
        cluster.CreatePod("""{"metadata":{"name":"waiting"},"spec":{"nodeSelector":{"disk":"ssd"},"containers":[{"name":"app","image":"nginx"}]}}""");
        await cluster.WaitForPod("waiting", p => (string?)p.Condition("PodScheduled")?["reason"] == "Unschedulable");

        cluster.Store.Update("nodes", null, "worker001", node =>
        {
            node["metadata"]!["labels"]!["disk"] = "ssd";
            return node;
        });

        var pod = await cluster.WaitForPod("waiting", p => p.IsRunning());
        Assert.Equal("worker001", (string?)pod["spec"]!["nodeName"]);
        Assert.Equal("True", (string?)pod.Condition("PodScheduled")!["status"]);
        Assert.Contains(cluster.EventsFor("waiting"), e => (string?)e["reason"] == "Scheduled");
    }

    [Fact]
    public async Task A_pod_that_tolerates_the_control_plane_taint_can_run_there()
    {
        await using var cluster = ControlPlaneFixture.Start();
        cluster.CreatePod("""
            {"metadata":{"name":"admin"},"spec":{"nodeSelector":{"node-role.kubernetes.io/control-plane":""},
             "tolerations":[{"key":"node-role.kubernetes.io/control-plane","operator":"Exists","effect":"NoSchedule"}],
             "containers":[{"name":"app","image":"nginx"}]}}
            """);
        var pod = await cluster.WaitForPod("admin", p => (string?)p["spec"]!["nodeName"] is not null);
        Assert.Equal("master001", (string?)pod["spec"]!["nodeName"]);
    }

    [Fact]
    public async Task A_pod_with_nodeName_runs_there_without_the_scheduler()
    {
        await using var cluster = ControlPlaneFixture.Start();
        cluster.CreatePod("""{"metadata":{"name":"direct"},"spec":{"nodeName":"master001","containers":[{"name":"app","image":"nginx"}]}}""");
        var pod = await cluster.WaitForPod("direct", p => p.IsRunning());
        Assert.Equal("192.168.56.10", (string?)pod["status"]!["hostIP"]);
        Assert.DoesNotContain(cluster.EventsFor("direct"), e => (string?)e["reason"] == "Scheduled");
    }
}
