using k8s;
using k8s.Models;
using PodTools.Engine.Printing;
using PodTools.Engine.Tests.Fixtures;

namespace PodTools.Engine.Tests.Printing;

public class PodPrinterTests
{
    private static V1Pod LoadPod(string fixture) =>
        KubernetesJson.Deserialize<V1Pod>(FixtureFiles.ReadText(Path.Combine("pods", fixture + ".json")));

    // fixture, STATUS, READY, RESTARTS as kubectl prints them for that pod.
    public static TheoryData<string, string, string, int> KubectlColumns => new()
    {
        { "pending-unscheduled", "Pending", "0/1", 0 },
        { "scheduling-gated", "SchedulingGated", "0/1", 0 },
        { "container-creating", "ContainerCreating", "0/1", 0 },
        { "running", "Running", "1/1", 0 },
        { "running-not-ready-container", "Running", "0/1", 0 },
        { "running-two-one-ready", "Running", "1/2", 0 },
        { "crashloop", "CrashLoopBackOff", "0/1", 5 },
        { "err-image-pull", "ErrImagePull", "0/1", 0 },
        { "image-pull-backoff", "ImagePullBackOff", "0/1", 0 },
        { "completed", "Completed", "0/1", 0 },
        { "error", "Error", "0/1", 0 },
        { "oom-killed", "OOMKilled", "0/1", 1 },
        { "terminated-signal", "Signal:9", "0/1", 0 },
        { "terminated-exit-code", "ExitCode:3", "0/1", 0 },
        { "completed-one-still-running-ready", "Running", "1/2", 0 },
        { "completed-one-still-running-not-ready", "NotReady", "1/2", 0 },
        { "first-container-reason-wins", "ImagePullBackOff", "0/2", 2 },
        { "evicted", "Evicted", "0/1", 0 },
        { "node-lost-deleting", "Unknown", "1/1", 0 },
        { "node-lost", "NodeLost", "1/1", 0 },
        { "terminating", "Terminating", "1/1", 0 },
        { "terminating-succeeded", "Completed", "0/1", 0 },
        { "init-first-running", "Init:0/2", "0/1", 0 },
        { "init-first-pod-initializing", "Init:0/2", "0/1", 0 },
        { "init-second-running", "Init:1/2", "0/1", 0 },
        { "init-crashloop", "Init:CrashLoopBackOff", "0/1", 3 },
        { "init-error", "Init:Error", "0/1", 0 },
        { "init-signal", "Init:Signal:9", "0/1", 0 },
        { "init-exit-code", "Init:ExitCode:2", "0/1", 0 },
        { "init-image-pull-backoff", "Init:ImagePullBackOff", "0/1", 0 },
        { "init-done-app-initializing", "PodInitializing", "0/1", 0 },
        { "sidecar-running", "Running", "2/2", 3 },
        { "sidecar-starting", "Init:0/1", "0/2", 0 },
        { "sidecar-started-before-init", "Init:1/2", "1/2", 0 },
        { "no-status", "", "0/1", 0 },
    };

    [Theory]
    [MemberData(nameof(KubectlColumns))]
    public void Prints_the_columns_kubectl_prints_for_the_pod(string fixture, string status, string ready, int restarts)
    {
        var pod = LoadPod(fixture);

        Assert.Equal(status, PodPrinter.Status(pod));
        Assert.Equal(ready, PodPrinter.Ready(pod));
        Assert.Equal(restarts, PodPrinter.Restarts(pod));
    }

    [Fact]
    public void Every_pod_fixture_is_in_the_table()
    {
        var inTable = KubectlColumns.Select(row => (string)row[0]).ToHashSet();
        var notInTable = Directory.GetFiles(FixtureFiles.PathOf("pods"), "*.json")
            .Select(file => Path.GetFileNameWithoutExtension(file))
            .Except(inTable)
            .ToList();

        Assert.Empty(notInTable);
    }

    [Theory]
    [InlineData("crashloop", "2026-11-28T12:00:00Z", "5 (5m ago)")]
    [InlineData("init-crashloop", "2026-11-28T12:00:00Z", "3 (2m ago)")]
    [InlineData("sidecar-running", "2026-11-28T12:00:00Z", "3 (10m ago)")]
    [InlineData("oom-killed", "2026-11-29T11:00:00Z", "1 (24h ago)")]
    [InlineData("running", "2026-11-28T12:00:00Z", "0")]
    public void Restarts_text_tells_how_long_ago_the_last_restart_was(string fixture, string now, string expected)
    {
        var utcNow = DateTime.Parse(now, null, System.Globalization.DateTimeStyles.AdjustToUniversal);

        Assert.Equal(expected, PodPrinter.RestartsText(LoadPod(fixture), utcNow));
    }

    [Fact]
    public void Restarts_text_is_the_bare_count_when_no_termination_time_is_known()
    {
        var pod = LoadPod("crashloop");
        pod.Status.ContainerStatuses[0].LastState = null;

        Assert.Equal("5", PodPrinter.RestartsText(pod, DateTime.UtcNow));
        Assert.Null(PodPrinter.LastRestart(pod));
    }

    [Fact]
    public void Last_restart_is_the_latest_termination_among_counted_containers()
    {
        var last = PodPrinter.LastRestart(LoadPod("sidecar-running"));

        Assert.Equal(new DateTime(2026, 11, 28, 11, 50, 0, DateTimeKind.Utc), last);
        Assert.Equal(DateTimeKind.Utc, last!.Value.Kind);
    }

    [Fact]
    public void Summary_agrees_with_the_single_column_methods()
    {
        var pod = LoadPod("sidecar-running");
        var summary = PodPrinter.Summarize(pod);

        Assert.Equal(PodPrinter.Status(pod), summary.Status);
        Assert.Equal(PodPrinter.Ready(pod), summary.Ready);
        Assert.Equal(PodPrinter.Restarts(pod), summary.Restarts);
    }
}
