using PodTools.TestCluster.ControlPlane;

namespace PodTools.TestCluster.Tests.ControlPlane;

public class ContainerProcessTests
{
    private static string CommandPod(string name, string script, string restartPolicy = "Never", string env = "[]") =>
        $$$"""
        {"metadata":{"name":"{{{name}}}"},"spec":{"restartPolicy":"{{{restartPolicy}}}","containers":[
          {"name":"app","image":"busybox","command":["sh","-c"],"args":[{{{System.Text.Json.JsonSerializer.Serialize(script)}}}],"env":{{{env}}}}]}}
        """;

    private static async Task<ContainerRuntime> RunningContainer(ControlPlaneFixture cluster, string pod)
    {
        await cluster.WaitForPod(pod, p => p.IsRunning());
        var container = cluster.Runner.Kubelet.FindContainer("default", pod)!;
        await cluster.WaitUntil(() => container.ProcessId is not null, "process start");
        return container;
    }

    [Fact]
    public async Task A_command_runs_as_a_process_with_the_container_env_HOSTNAME_and_its_own_working_directory()
    {
        await using var cluster = ControlPlaneFixture.Start();
        cluster.CreatePod(CommandPod("hello", "echo \"greeting=$GREETING\"; echo \"host=$HOSTNAME\"; echo \"dir=$(pwd)\"; echo \"home=${HOME:-unset}\"; echo oops >&2",
            env: """[{"name":"GREETING","value":"hi $(WHO)"},{"name":"WHO","value":"ignored"}]"""));

        var pod = await cluster.WaitForPod("hello", p => p.Phase() == "Succeeded");
        Assert.Equal(0, (int)pod.ContainerStatus()!["state"]!["terminated"]!["exitCode"]!);

        var container = cluster.Runner.Kubelet.FindContainer("default", "hello")!;
        var expectedDirectory = Path.Combine(cluster.WorkDirectory, "default", "hello", "app");
        Assert.Equal(expectedDirectory, container.WorkingDirectory);
        var lines = container.Log.Current();
        // $(WHO) is defined only after GREETING, so it stays as written, as the kubelet leaves it.
        Assert.Equal(["greeting=hi $(WHO)", "host=hello", $"dir={expectedDirectory}", "home=unset"],
            lines.Where(l => l.Stream == "stdout").Select(l => l.Text));
        Assert.Equal(["oops"], lines.Where(l => l.Stream == "stderr").Select(l => l.Text));
        Assert.True(Directory.Exists(expectedDirectory));
    }

    [Fact]
    public async Task Command_and_args_are_exec_ed_directly_with_expansion_of_earlier_env_values()
    {
        await using var cluster = ControlPlaneFixture.Start();
        cluster.CreatePod("""
            {"metadata":{"name":"direct"},"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"busybox",
             "env":[{"name":"TARGET","value":"world"}],"command":["echo"],"args":["hello","$(TARGET)","$$(TARGET)","*"]}]}}
            """);
        await cluster.WaitForPod("direct", p => p.Phase() == "Succeeded");
        var lines = cluster.Runner.Kubelet.FindContainer("default", "direct")!.Log.Current();
        // No shell: the '*' is not globbed.
        Assert.Equal("hello world $(TARGET) *", Assert.Single(lines).Text);
    }

    [Fact]
    public async Task A_failing_command_fails_the_pod_under_Never()
    {
        await using var cluster = ControlPlaneFixture.Start();
        cluster.CreatePod(CommandPod("fails", "exit 3"));
        var pod = await cluster.WaitForPod("fails", p => p.Phase() == "Failed");
        var terminated = pod.ContainerStatus()!["state"]!["terminated"]!;
        Assert.Equal(3, (int)terminated["exitCode"]!);
        Assert.Equal("Error", (string?)terminated["reason"]);
    }

    [Fact]
    public async Task OnFailure_restarts_a_failing_command_and_keeps_the_previous_instance_log()
    {
        await using var cluster = ControlPlaneFixture.Start();
        // Fails on its first run, succeeds on the second: the marker file lives in the working directory.
        cluster.CreatePod(CommandPod("retry", "if [ -f ran ]; then echo second; exit 0; fi; touch ran; echo first; exit 1", restartPolicy: "OnFailure"));
        var pod = await cluster.WaitForPod("retry", p => p.Phase() == "Succeeded");
        Assert.Equal(1, (int)pod.ContainerStatus()!["restartCount"]!);
        Assert.Equal(1, (int)pod.ContainerStatus()!["lastState"]!["terminated"]!["exitCode"]!);
        var log = cluster.Runner.Kubelet.FindContainer("default", "retry")!.Log;
        Assert.Equal("second", Assert.Single(log.Current()).Text);
        Assert.Equal("first", Assert.Single(log.Previous()!).Text);
    }

    [Fact]
    public async Task Repeated_failures_under_Always_reach_CrashLoopBackOff()
    {
        await using var cluster = ControlPlaneFixture.Start();
        cluster.CreatePod(CommandPod("flaky", "echo boom; exit 2", restartPolicy: "Always"));
        var pod = await cluster.WaitForPod("flaky", p => p.WaitingReason() == "CrashLoopBackOff");
        Assert.Equal(2, (int)pod.ContainerStatus()!["lastState"]!["terminated"]!["exitCode"]!);
        Assert.Equal("CrashLoopBackOff", PodTools.TestCluster.Semantics.PodPrinting.Summarize(pod, DateTime.UtcNow).Status);
    }

    [Fact]
    public async Task A_command_that_does_not_exist_fails_to_start_like_the_runtime_reports_it()
    {
        await using var cluster = ControlPlaneFixture.Start();
        cluster.CreatePod("""{"metadata":{"name":"typo"},"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"busybox","command":["no-such-binary"]}]}}""");
        var pod = await cluster.WaitForPod("typo", p => p.Phase() == "Failed");
        var terminated = pod.ContainerStatus()!["state"]!["terminated"]!;
        Assert.Equal(128, (int)terminated["exitCode"]!);
        Assert.Equal("StartError", (string?)terminated["reason"]);
        Assert.Contains("exec: \"no-such-binary\": executable file not found in $PATH", (string?)terminated["message"]);
    }

    [Fact]
    public async Task Deleting_a_pod_sends_SIGTERM_to_the_whole_process_group_and_removes_the_pod()
    {
        await using var cluster = ControlPlaneFixture.Start();
        cluster.CreatePod(CommandPod("server", "sleep 300 & echo $! > child.pid; wait", restartPolicy: "Always"));
        var container = await RunningContainer(cluster, "server");
        var pid = container.ProcessId!.Value;
        var childPidFile = Path.Combine(container.WorkingDirectory, "child.pid");
        await cluster.WaitUntil(() => File.Exists(childPidFile) && File.ReadAllText(childPidFile).Trim().Length > 0, "child pid file");
        var childPid = int.Parse(File.ReadAllText(childPidFile).Trim());

        cluster.DeleteGracefully("server", gracePeriodSeconds: 30);

        await cluster.WaitUntil(() => cluster.Store.Get("pods", "default", "server") is null, "pod removal");
        Assert.False(PodJson.ProcessAlive(pid));
        await cluster.WaitUntil(() => !Directory.Exists(container.WorkingDirectory), "the container's directory to go with the pod");
        await cluster.WaitUntil(() => !PodJson.ProcessAlive(childPid), "child exit");
        Assert.Contains(cluster.EventsFor("server"), e => (string?)e["reason"] == "Killing" && (string?)e["message"] == "Stopping container app");
    }

    [Fact]
    public async Task A_process_that_ignores_SIGTERM_is_killed_when_the_grace_period_ends()
    {
        await using var cluster = ControlPlaneFixture.Start(timeScale: 10);
        cluster.CreatePod(CommandPod("stubborn", "trap '' TERM; touch trapped; while true; do sleep 0.05; done", restartPolicy: "Always"));
        var container = await RunningContainer(cluster, "stubborn");
        var pid = container.ProcessId!.Value;
        await cluster.WaitUntil(() => File.Exists(Path.Combine(container.WorkingDirectory, "trapped")), "the trap to be set");
        var deleted = DateTime.UtcNow;

        cluster.DeleteGracefully("stubborn", gracePeriodSeconds: 3);

        await Task.Delay(150);
        Assert.True(PodJson.ProcessAlive(pid), "SIGTERM is ignored, so the process lives until the grace period ends");
        await cluster.WaitUntil(() => cluster.Store.Get("pods", "default", "stubborn") is null, "pod removal");
        Assert.True(DateTime.UtcNow - deleted >= TimeSpan.FromMilliseconds(300));
        Assert.False(PodJson.ProcessAlive(pid));
    }

    [Fact]
    public async Task Disposing_the_control_plane_kills_every_container_process()
    {
        var cluster = ControlPlaneFixture.Start();
        int pid;
        try
        {
            cluster.CreatePod(CommandPod("forever", "trap '' TERM; sleep 300", restartPolicy: "Always"));
            pid = (await RunningContainer(cluster, "forever")).ProcessId!.Value;
            Assert.True(PodJson.ProcessAlive(pid));
        }
        finally
        {
            await cluster.DisposeAsync();
        }
        await Task.Delay(50);
        Assert.False(PodJson.ProcessAlive(pid));
    }

    [Fact]
    public async Task A_container_without_a_command_costs_no_process_and_logs_one_line()
    {
        await using var cluster = ControlPlaneFixture.Start();
        cluster.CreatePod("""{"metadata":{"name":"idle"},"spec":{"containers":[{"name":"app","image":"nginx:1.27","ports":[{"containerPort":80,"name":"http"}]}]}}""");
        await cluster.WaitForPod("idle", p => p.IsRunning());
        var container = cluster.Runner.Kubelet.FindContainer("default", "idle")!;
        Assert.Null(container.ProcessId);
        Assert.Single(container.Log.Current());
        Assert.Equal([new ContainerPortInfo("http", 80, "TCP")], container.Ports);
    }

    [Fact]
    public async Task Following_a_log_streams_lines_until_the_instance_exits()
    {
        await using var cluster = ControlPlaneFixture.Start(timeScale: 10);
        cluster.CreatePod(CommandPod("ticker", "for i in 1 2 3; do echo tick $i; sleep 0.05; done"));
        var container = await RunningContainer(cluster, "ticker");
        var lines = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var line in container.Log.FollowAsync(timeout.Token)) lines.Add(line.Text);
        Assert.Equal(["tick 1", "tick 2", "tick 3"], lines);
    }
}
