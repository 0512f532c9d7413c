using System.Net;
using System.Text.Json.Nodes;
using PodTools.TestCluster.Semantics;
using static PodTools.TestCluster.Tests.Kubelet.KubeletPods;

namespace PodTools.TestCluster.Tests.Kubelet;

[Collection(KubeletCollection.Name)]
public sealed class LogTests(KubeletFixture fixture)
{
    private static readonly string[] CountTo5 = ["sh", "-c", "for i in 1 2 3 4 5; do echo line-$i; done; sleep 0.2; echo err-line >&2; sleep 600"];

    private async Task<string> CountingPodAsync(string name)
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.CreatePodAsync(ns, Pod(name, ("app", "busybox", CountTo5, []), ("idle", "nginx:1.27", null, [])));
        await fixture.WaitForPodAsync(ns, name, _ => true, "created");
        await Manifests.EventuallyAsync(async () => (await LogAsync(ns, name, "container=app")).Text.Contains("err-line"), "six lines logged");
        return ns;
    }

    private Task<ApiResponse> LogAsync(string ns, string pod, string query = "") =>
        fixture.Admin.GetAsync($"/api/v1/namespaces/{ns}/pods/{pod}/log" + (query.Length > 0 ? "?" + query : ""));

    [Fact]
    public async Task A_containers_log_holds_what_its_process_printed_on_both_streams()
    {
        var ns = await CountingPodAsync("logs");
        var response = await LogAsync(ns, "logs", "container=app");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("text/plain", response.Raw.Content.Headers.ContentType?.MediaType);
        Assert.Equal("line-1\nline-2\nline-3\nline-4\nline-5\nerr-line\n", response.Text);
    }

    [Fact]
    public async Task A_container_without_a_command_logs_its_startup_line()
    {
        var ns = await CountingPodAsync("idle");
        var response = await LogAsync(ns, "idle", "container=idle");
        Assert.Equal("nginx:1.27: container idle started\n", response.Text);
    }

    [Fact]
    public async Task TailLines_limitBytes_and_timestamps_shape_the_output_as_the_kubelet_does()
    {
        var ns = await CountingPodAsync("shape");
        Assert.Equal("line-5\nerr-line\n", (await LogAsync(ns, "shape", "container=app&tailLines=2")).Text);
        Assert.Equal("", (await LogAsync(ns, "shape", "container=app&tailLines=0")).Text);
        Assert.Equal("line-1\nlin", (await LogAsync(ns, "shape", "container=app&limitBytes=10")).Text);
        var stamped = (await LogAsync(ns, "shape", "container=app&timestamps=true&tailLines=1")).Text;
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z err-line\n$", stamped);
    }

    [Fact]
    public async Task SinceSeconds_keeps_only_recent_lines()
    {
        var ns = await CountingPodAsync("since");
        Assert.Equal(6, (await LogAsync(ns, "since", "container=app&sinceSeconds=60")).Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        await Task.Delay(1500);
        Assert.Equal("", (await LogAsync(ns, "since", "container=app&sinceSeconds=1")).Text);
    }

    [Fact]
    public async Task Follow_streams_new_lines_until_the_container_stops()
    {
        var ns = await fixture.NewNamespaceAsync();
        string[] ticker = ["sh", "-c", "i=0; while [ $i -lt 4 ]; do i=$((i+1)); echo tick-$i; sleep 0.3; done"];
        var pod = Pod("ticker", ("app", "busybox", ticker, []));
        pod["spec"]!["restartPolicy"] = "Never";
        await fixture.CreatePodAsync(ns, pod);

        using var response = await fixture.Admin.Http.GetAsync($"/api/v1/namespaces/{ns}/pods/ticker/log?follow=true", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = await reader.ReadLineAsync();
        Assert.Equal("tick-1", first);
        var rest = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("tick-2\ntick-3\ntick-4\n", rest);
    }

    [Fact]
    public async Task Previous_shows_the_instance_before_a_restart_of_a_crashing_container()
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.CreatePodAsync(ns, Pod("crash", ("app", "busybox:crash", null, [])), waitForRunning: false);
        await fixture.WaitForPodAsync(ns, "crash", p => (p.Objects("status", "containerStatuses").FirstOrDefault()?.Long("restartCount") ?? 0) >= 1, "restarted", 30);

        var previous = await LogAsync(ns, "crash", "previous=true");
        Assert.Equal(HttpStatusCode.OK, previous.Status);
        Assert.Equal("busybox:crash: container app started\n", previous.Text);
    }

    [Fact]
    public async Task Previous_without_a_restart_is_refused_with_the_kubelets_message()
    {
        var ns = await CountingPodAsync("noprev");
        var response = await LogAsync(ns, "noprev", "container=app&previous=true");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("previous terminated container \"app\" in pod \"noprev\" not found", response.StatusMessage);
    }

    [Fact]
    public async Task A_two_container_pod_without_container_is_refused_with_the_choices()
    {
        var ns = await CountingPodAsync("choose");
        var response = await LogAsync(ns, "choose");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("BadRequest", (string?)response.Object["reason"]);
        Assert.Equal("a container name must be specified for pod choose, choose one of: [app idle]", response.StatusMessage);
    }

    [Fact]
    public async Task An_unknown_container_and_invalid_options_are_refused()
    {
        var ns = await CountingPodAsync("bad");
        var unknown = await LogAsync(ns, "bad", "container=nope");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
        Assert.Equal("container nope is not valid for pod bad", unknown.StatusMessage);

        var invalid = await LogAsync(ns, "bad", "container=app&limitBytes=0");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.Status);
        Assert.Equal("PodLogOptions \"bad\" is invalid: limitBytes: Invalid value: 0: must be greater than 0", invalid.StatusMessage);

        var missing = await LogAsync(ns, "gone", "container=app");
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal("pods \"gone\" not found", missing.StatusMessage);
    }

    [Fact]
    public async Task A_container_still_pulling_its_image_has_no_log_yet()
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.CreatePodAsync(ns, Pod("waiting", ("app", "busybox:missing", null, [])), waitForRunning: false);
        await fixture.WaitForPodAsync(ns, "waiting", p => p.Objects("status", "containerStatuses").Any(c => c.Str("state", "waiting", "reason") is "ErrImagePull" or "ImagePullBackOff"), "failing to pull");
        var response = await LogAsync(ns, "waiting");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Matches("^container \"app\" in pod \"waiting\" is waiting to start: (image can't be pulled|trying and failing to pull image)$", response.StatusMessage);
    }

    [Fact]
    public async Task The_viewer_may_read_logs()
    {
        var ns = await CountingPodAsync("viewer");
        using var viewer = new ApiClient(fixture.CreateHttpClient("viewer"));
        var response = await viewer.GetAsync($"/api/v1/namespaces/{ns}/pods/viewer/log?container=idle");
        Assert.Equal(HttpStatusCode.OK, response.Status);
    }
}
