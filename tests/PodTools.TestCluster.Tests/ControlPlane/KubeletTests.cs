using System.Text.Json.Nodes;

namespace PodTools.TestCluster.Tests.ControlPlane;

public class KubeletTests
{
    private static string SimplePod(string name, string image, string restartPolicy = "Always") =>
        $$$"""{"metadata":{"name":"{{{name}}}"},"spec":{"restartPolicy":"{{{restartPolicy}}}","nodeSelector":{"kubernetes.io/hostname":"worker001"},"containers":[{"name":"app","image":"{{{image}}}"}]}}""";

    [Fact]
    public async Task A_scheduled_pod_goes_ContainerCreating_then_Running_with_the_status_a_kubelet_reports()
    {
        await using var cluster = ControlPlaneFixture.Start(timeScale: 20);
        cluster.CreatePod(SimplePod("web", "nginx"));

        var creating = await cluster.WaitForPod("web", p => p.WaitingReason() == "ContainerCreating");
        Assert.Equal("Pending", creating.Phase());
        Assert.Equal("nginx", (string?)creating.ContainerStatus()!["image"]);

        var pod = await cluster.WaitForPod("web", p => p.IsRunning());
        var status = pod["status"]!;
        Assert.Equal("Running", pod.Phase());
        Assert.Equal("192.168.56.11", (string?)status["hostIP"]);
        Assert.Equal("192.168.56.11", (string?)status["hostIPs"]![0]!["ip"]);
        Assert.Matches(@"^10\.244\.1\.\d+$", (string?)status["podIP"]);
        Assert.Equal((string?)status["podIP"], (string?)status["podIPs"]![0]!["ip"]);
        Assert.NotNull((string?)status["startTime"]);
        Assert.Equal("BestEffort", (string?)status["qosClass"]);
        Assert.Equal(["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"],
            status["conditions"]!.AsArray().Select(c => (string)c!["type"]!));
        Assert.All(status["conditions"]!.AsArray(), c => Assert.Equal("True", (string?)c!["status"]));

        var container = pod.ContainerStatus()!;
        Assert.True((bool)container["ready"]!);
        Assert.True((bool)container["started"]!);
        Assert.Equal(0, (int)container["restartCount"]!);
        Assert.Matches("^containerd://[0-9a-f]{64}$", (string?)container["containerID"]);
        Assert.Equal("docker.io/library/nginx:latest", (string?)container["image"]);
        Assert.StartsWith("docker.io/library/nginx@sha256:", (string?)container["imageID"]);
        Assert.NotNull((string?)container["state"]!["running"]!["startedAt"]);

        var reasons = cluster.EventsFor("web").Where(e => (string?)e["source"]?["component"] == "kubelet").Select(e => (string?)e["reason"]).ToList();
        Assert.Equal(["Pulling", "Pulled", "Created", "Started"], reasons);
        var pulling = cluster.EventsFor("web").First(e => (string?)e["reason"] == "Pulling");
        Assert.Equal("Pulling image \"nginx\"", (string?)pulling["message"]);
        Assert.Equal("spec.containers{app}", (string?)pulling["involvedObject"]!["fieldPath"]);
        Assert.Equal("worker001", (string?)pulling["source"]!["host"]);
    }

    [Fact]
    public async Task Pods_on_one_node_get_distinct_addresses_from_its_CIDR()
    {
        await using var cluster = ControlPlaneFixture.Start();
        cluster.CreatePod(SimplePod("a", "nginx"));
        cluster.CreatePod(SimplePod("b", "nginx"));
        var a = await cluster.WaitForPod("a", p => p.IsRunning());
        var b = await cluster.WaitForPod("b", p => p.IsRunning());
        Assert.NotEqual((string?)a["status"]!["podIP"], (string?)b["status"]!["podIP"]);
    }

    [Fact]
    public async Task A_crashing_image_restarts_with_back_off_into_CrashLoopBackOff_keeping_the_previous_log()
    {
        await using var cluster = ControlPlaneFixture.Start(timeScale: 100);
        cluster.CreatePod(SimplePod("crasher", "busybox:crash"));

        var pod = await cluster.WaitForPod("crasher", p => p.WaitingReason() == "CrashLoopBackOff");
        var container = pod.ContainerStatus()!;
        Assert.Equal("Running", pod.Phase());
        Assert.True((int)container["restartCount"]! >= 1);
        Assert.False((bool)container["ready"]!);
        var terminated = container["lastState"]!["terminated"]!;
        Assert.Equal(1, (int)terminated["exitCode"]!);
        Assert.Equal("Error", (string?)terminated["reason"]);
        Assert.Matches(@"^back-off 10s restarting failed container=app pod=crasher_default\(.+\)$", (string?)container["state"]!["waiting"]!["message"]);
        Assert.Equal("False", (string?)pod.Condition("Ready")!["status"]);
        Assert.Equal("ContainersNotReady", (string?)pod.Condition("Ready")!["reason"]);
        Assert.Equal("containers with unready status: [app]", (string?)pod.Condition("Ready")!["message"]);
        Assert.Contains(cluster.EventsFor("crasher"), e => (string?)e["reason"] == "BackOff" && ((string?)e["message"])!.StartsWith("Back-off restarting failed container app in pod crasher_default("));

        // The back-off doubles: the next wait is 20s.
        await cluster.WaitForPod("crasher", p => ((string?)p.ContainerStatus()!["state"]!["waiting"]?["message"])?.StartsWith("back-off 20s") == true);
        var log = cluster.Runner.Kubelet.FindContainer("default", "crasher")!.Log;
        Assert.NotNull(log.Previous());
        Assert.Contains(log.Previous()!, line => line.Text.Contains("busybox:crash"));
    }

    [Fact]
    public async Task A_missing_image_reports_ErrImagePull_then_ImagePullBackOff()
    {
        await using var cluster = ControlPlaneFixture.Start(timeScale: 20);
        cluster.CreatePod(SimplePod("ghost", "example.com/team/app:missing"));

        var pulling = await cluster.WaitForPod("ghost", p => p.WaitingReason() == "ErrImagePull");
        Assert.Equal("rpc error: code = NotFound desc = failed to pull and unpack image \"example.com/team/app:missing\": failed to resolve reference \"example.com/team/app:missing\": example.com/team/app:missing: not found",
            (string?)pulling.ContainerStatus()!["state"]!["waiting"]!["message"]);
        Assert.Equal("Pending", pulling.Phase());

        var backOff = await cluster.WaitForPod("ghost", p => p.WaitingReason() == "ImagePullBackOff");
        Assert.Equal("Back-off pulling image \"example.com/team/app:missing\"", (string?)backOff.ContainerStatus()!["state"]!["waiting"]!["message"]);
        var messages = cluster.EventsFor("ghost").Select(e => (string?)e["message"]).ToList();
        Assert.Contains("Error: ErrImagePull", messages);
        Assert.Contains("Error: ImagePullBackOff", messages);
    }

    [Fact]
    public async Task A_slow_image_takes_seconds_to_start()
    {
        await using var cluster = ControlPlaneFixture.Start(timeScale: 10);
        var started = DateTime.UtcNow;
        cluster.CreatePod(SimplePod("sloth", "nginx:slow"));
        await cluster.WaitForPod("sloth", p => p.IsRunning());
        // Six simulated seconds of pulling at ten times speed.
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(600));
    }

    [Fact]
    public async Task An_exit0_image_completes_when_the_pod_never_restarts()
    {
        await using var cluster = ControlPlaneFixture.Start();
        cluster.CreatePod(SimplePod("job", "busybox:exit0", restartPolicy: "Never"));
        var pod = await cluster.WaitForPod("job", p => p.Phase() == "Succeeded");
        var terminated = pod.ContainerStatus()!["state"]!["terminated"]!;
        Assert.Equal(0, (int)terminated["exitCode"]!);
        Assert.Equal("Completed", (string?)terminated["reason"]);
        Assert.Equal("PodCompleted", (string?)pod.Condition("Ready")!["reason"]);
        Assert.Equal("False", (string?)pod.Condition("PodReadyToStartContainers")!["status"]);
    }

    [Fact]
    public async Task An_exit0_image_restarts_under_restartPolicy_Always()
    {
        await using var cluster = ControlPlaneFixture.Start();
        cluster.CreatePod(SimplePod("loop", "busybox:exit0"));
        var pod = await cluster.WaitForPod("loop", p => (int?)p.ContainerStatus()?["restartCount"] >= 2);
        Assert.Equal("Running", pod.Phase());
        Assert.Equal("Completed", (string?)pod.ContainerStatus()!["lastState"]!["terminated"]!["reason"]);
    }

    [Fact]
    public async Task Init_containers_run_first_in_order_then_the_app_containers()
    {
        await using var cluster = ControlPlaneFixture.Start(timeScale: 20);
        cluster.CreatePod("""
            {"metadata":{"name":"staged"},"spec":{"nodeSelector":{"kubernetes.io/hostname":"worker002"},
             "initContainers":[{"name":"first","image":"busybox"},{"name":"second","image":"busybox"}],
             "containers":[{"name":"app","image":"nginx"}]}}
            """);
        var initializing = await cluster.WaitForPod("staged", p => p.ContainerStatus("first", "initContainerStatuses") is not null);
        Assert.Equal("Pending", initializing.Phase());
        Assert.Equal("False", (string?)initializing.Condition("Initialized")!["status"]);

        var pod = await cluster.WaitForPod("staged", p => p.IsRunning());
        var first = pod.ContainerStatus("first", "initContainerStatuses")!["state"]!["terminated"]!;
        var second = pod.ContainerStatus("second", "initContainerStatuses")!["state"]!["terminated"]!;
        Assert.Equal("Completed", (string?)first["reason"]);
        Assert.Equal("Completed", (string?)second["reason"]);
        Assert.True(DateTime.Parse((string)first["finishedAt"]!) <= DateTime.Parse((string)second["startedAt"]!));
        Assert.Equal("True", (string?)pod.Condition("Initialized")!["status"]);
        Assert.Equal("Running", pod.Phase());
    }

    [Fact]
    public async Task A_failing_init_container_fails_a_pod_that_never_restarts()
    {
        await using var cluster = ControlPlaneFixture.Start();
        cluster.CreatePod("""
            {"metadata":{"name":"broken"},"spec":{"restartPolicy":"Never","initContainers":[{"name":"setup","image":"busybox:crash"}],
             "containers":[{"name":"app","image":"nginx"}]}}
            """);
        var pod = await cluster.WaitForPod("broken", p => p.Phase() == "Failed");
        Assert.Equal("Error", (string?)pod.ContainerStatus("setup", "initContainerStatuses")!["state"]!["terminated"]!["reason"]);
        Assert.Equal("PodInitializing", pod.WaitingReason());
    }

    [Fact]
    public async Task Containers_are_pulled_and_started_one_after_another_in_spec_order()
    {
        await using var cluster = ControlPlaneFixture.Start(timeScale: 20);
        cluster.CreatePod("""{"metadata":{"name":"pair"},"spec":{"containers":[{"name":"first","image":"nginx"},{"name":"second","image":"redis"}]}}""");
        await cluster.WaitForPod("pair", p => p.IsRunning("first") && p.IsRunning("second"));
        var sequence = cluster.EventsFor("pair")
            .Where(e => (string?)e["source"]?["component"] == "kubelet")
            .OrderBy(e => (string?)e["metadata"]!["name"], StringComparer.Ordinal)
            .Select(e => $"{e["reason"]} {e["involvedObject"]!["fieldPath"]}")
            .ToList();
        Assert.Equal(
            ["Pulling spec.containers{first}", "Pulled spec.containers{first}", "Created spec.containers{first}", "Started spec.containers{first}",
             "Pulling spec.containers{second}", "Pulled spec.containers{second}", "Created spec.containers{second}", "Started spec.containers{second}"],
            sequence);
    }

    [Fact]
    public async Task Changing_a_running_containers_image_restarts_it_with_the_new_image()
    {
        await using var cluster = ControlPlaneFixture.Start();
        cluster.CreatePod(SimplePod("upgrade", "nginx:1.26"));
        await cluster.WaitForPod("upgrade", p => p.IsRunning());

        cluster.Store.Update("pods", "default", "upgrade", pod =>
        {
            pod["spec"]!["containers"]![0]!["image"] = "nginx:1.27";
            return pod;
        });

        var pod = await cluster.WaitForPod("upgrade", p => p.IsRunning() && (int?)p.ContainerStatus()!["restartCount"] == 1);
        Assert.Equal("docker.io/library/nginx:1.27", (string?)pod.ContainerStatus()!["image"]);
        Assert.Contains(cluster.EventsFor("upgrade"), e => (string?)e["reason"] == "Killing" && (string?)e["message"] == "Container app definition changed, will be restarted");
        Assert.Contains(cluster.EventsFor("upgrade"), e => (string?)e["message"] == "Pulling image \"nginx:1.27\"");
    }
}
