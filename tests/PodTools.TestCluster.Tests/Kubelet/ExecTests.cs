using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using PodTools.TestCluster.Semantics;
using static PodTools.TestCluster.Tests.Kubelet.KubeletPods;

namespace PodTools.TestCluster.Tests.Kubelet;

[Collection(KubeletCollection.Name)]
public sealed class ExecTests(KubeletFixture fixture)
{
    private static readonly string[] V5 = ["v5.channel.k8s.io"];
    private static readonly string[] V4 = ["v4.channel.k8s.io"];

    private static string ExecPath(string ns, string pod, string? container, bool stdin, bool tty, params string[] command)
    {
        var query = string.Concat(command.Select(c => "&command=" + Uri.EscapeDataString(c)));
        if (container is not null) query += "&container=" + container;
        query += $"&stdin={(stdin ? "true" : "false")}&stdout=true&stderr={(tty ? "false" : "true")}&tty={(tty ? "true" : "false")}";
        return $"/api/v1/namespaces/{ns}/pods/{pod}/exec?{query[1..]}";
    }

    private async Task<string> TwoContainerPodAsync(string name)
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.CreatePodAsync(ns, Pod(name, ("c1", "busybox", null, []), ("c2", "busybox", null, [])));
        return ns;
    }

    private static JsonObject StatusOf(Dictionary<byte, string> streams) => JsonNode.Parse(streams[3])!.AsObject();

    [Fact]
    public async Task Exec_runs_in_the_named_containers_working_directory_with_HOSTNAME_and_reports_success()
    {
        var ns = await TwoContainerPodAsync("two");
        using var socket = await fixture.ConnectAsync(ExecPath(ns, "two", "c2", false, false, "sh", "-c", "echo $HOSTNAME; pwd; echo oops >&2"), V5);
        Assert.Equal("v5.channel.k8s.io", socket.SubProtocol);
        var client = new ChannelClient(socket);

        var first = await client.ReceiveAsync();
        Assert.Equal((byte)1, first!.Value.Channel); // the empty "ready" message on stdout
        Assert.Empty(first.Value.Data);
        var streams = await client.ReadAllAsync();

        var lines = streams[1].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("two", lines[0]);
        Assert.EndsWith($"/{ns}/two/c2", lines[1]);
        Assert.Equal("oops\n", streams[2]);
        Assert.Equal("""{"metadata":{},"status":"Success"}""", streams[3]);
    }

    [Fact]
    public async Task A_failing_command_reports_NonZeroExitCode_with_the_exit_code_as_cause()
    {
        var ns = await TwoContainerPodAsync("fail");
        using var socket = await fixture.ConnectAsync(ExecPath(ns, "fail", "c1", false, false, "sh", "-c", "exit 3"), V4);
        var status = StatusOf(await new ChannelClient(socket).ReadAllAsync());

        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal("NonZeroExitCode", (string?)status["reason"]);
        Assert.Equal("command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3", (string?)status["message"]);
        Assert.Equal("ExitCode", (string?)status["details"]!["causes"]![0]!["reason"]);
        Assert.Equal("3", (string?)status["details"]!["causes"]![0]!["message"]);
    }

    [Fact]
    public async Task Stdin_reaches_the_process_and_the_v5_close_ends_it()
    {
        var ns = await TwoContainerPodAsync("cat");
        using var socket = await fixture.ConnectAsync(ExecPath(ns, "cat", "c1", true, false, "sh", "-c", "tr a-z A-Z; echo done"), V5);
        var client = new ChannelClient(socket);
        await client.SendTextAsync(0, "hello ");
        await client.SendTextAsync(0, "world\n");
        await client.SendAsync(255, [0]);
        var streams = await client.ReadAllAsync();

        Assert.Equal("HELLO WORLD\ndone\n", streams[1]);
        Assert.Equal("Success", (string?)StatusOf(streams)["status"]);
    }

    [Fact]
    public async Task An_unknown_executable_fails_with_the_runtimes_internal_error()
    {
        var ns = await TwoContainerPodAsync("nosuch");
        using var socket = await fixture.ConnectAsync(ExecPath(ns, "nosuch", "c1", false, false, "no-such-tool"), V5);
        var status = StatusOf(await new ChannelClient(socket).ReadAllAsync());

        Assert.Equal("InternalError", (string?)status["reason"]);
        Assert.Equal(500, (int?)status["code"]);
        Assert.Matches("^Internal error occurred: error executing command in container: failed to exec in container: failed to start exec \"[0-9a-f]{64}\": " +
            "OCI runtime exec failed: exec failed: unable to start container process: exec: \"no-such-tool\": executable file not found in \\$PATH: unknown$",
            (string?)status["message"]);
    }

    [Fact]
    public async Task A_tty_exec_runs_under_a_pseudo_terminal_that_follows_resizes()
    {
        var ns = await TwoContainerPodAsync("tty");
        using var socket = await fixture.ConnectAsync(ExecPath(ns, "tty", "c1", true, true, "sh"), V5);
        var client = new ChannelClient(socket);
        await client.SendTextAsync(4, """{"Width":101,"Height":33}""");
        await client.SendTextAsync(0, "test -t 0 && echo is-a-tty; stty size; tput cols\n");
        var before = await ReadUntilAsync(client, "33 101\r\n101\r\n");
        Assert.Contains("is-a-tty\r\n33 101\r\n101\r\n", before);
        await client.SendTextAsync(4, """{"Width":57,"Height":21}""");
        await Task.Delay(200);
        await client.SendTextAsync(0, "stty size; tput cols; exit 4\n");
        var rest = await client.ReadAllAsync();

        Assert.Contains("21 57\r\n57\r\n", rest[1]);
        var status = StatusOf(rest);
        Assert.Equal("4", (string?)status["details"]!["causes"]![0]!["message"]);
        Assert.DoesNotContain((byte)2, rest.Keys); // a TTY has no separate stderr
    }

    // Reads stdout until it contains text; returns what was read (a TTY echoes input, so output follows the echo).
    private static async Task<string> ReadUntilAsync(ChannelClient client, string text)
    {
        var output = new StringBuilder();
        while (!output.ToString().Contains(text))
        {
            var message = await client.ReceiveAsync() ?? throw new Xunit.Sdk.XunitException($"closed before '{text}'; got: {output}");
            if (message.Channel == 1) output.Append(Encoding.UTF8.GetString(message.Data));
        }
        return output.ToString();
    }

    [Fact]
    public async Task An_unknown_container_is_refused_with_the_API_servers_message()
    {
        var ns = await TwoContainerPodAsync("unk");
        var response = await fixture.Admin.GetAsync(ExecPath(ns, "unk", "nope", false, false, "true"));
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("container nope is not valid for pod unk", response.StatusMessage);
    }

    [Fact]
    public async Task A_two_container_pod_without_container_lists_the_choices()
    {
        var ns = await fixture.NewNamespaceAsync();
        var pod = Pod("multi", ("a", "busybox", null, []), ("b", "busybox", null, []));
        pod["spec"]!["initContainers"] = new JsonArray(new JsonObject { ["name"] = "setup", ["image"] = "busybox" });
        await fixture.CreatePodAsync(ns, pod);
        var error = await Assert.ThrowsAsync<WebSocketException>(() => fixture.ConnectAsync(ExecPath(ns, "multi", null, false, false, "true"), V5));
        Assert.Contains("400", error.Message);

        var response = await fixture.Admin.GetAsync(ExecPath(ns, "multi", null, false, false, "true"));
        Assert.Equal("a container name must be specified for pod multi, choose one of: [a b] or one of the init containers: [setup]", response.StatusMessage);
    }

    [Fact]
    public async Task A_container_that_is_not_running_gets_the_kubelets_container_not_found()
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.CreatePodAsync(ns, Pod("pull", ("app", "busybox:missing", null, [])), waitForRunning: false);
        await fixture.WaitForPodAsync(ns, "pull", p => p.Objects("status", "containerStatuses").Any(), "with container statuses");

        using var request = new HttpRequestMessage(HttpMethod.Get, ExecPath(ns, "pull", "app", false, false, "true"));
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new("websocket"));
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        request.Headers.Add("Sec-WebSocket-Protocol", "v5.channel.k8s.io");
        using var response = await fixture.Admin.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("container not found (\"app\")", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_plain_request_without_upgrade_is_refused()
    {
        var ns = await TwoContainerPodAsync("plain");
        var response = await fixture.Admin.GetAsync(ExecPath(ns, "plain", "c1", false, false, "true"));
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("Upgrade request required", response.StatusMessage);
    }

    [Fact]
    public async Task The_viewer_may_not_exec()
    {
        var ns = await TwoContainerPodAsync("ro");
        using var viewer = new ApiClient(fixture.CreateHttpClient("viewer"));
        var response = await viewer.GetAsync(ExecPath(ns, "ro", "c1", false, false, "true"));
        Assert.Equal(HttpStatusCode.Forbidden, response.Status);
        Assert.Equal($"pods \"ro\" is forbidden: User \"viewer\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"{ns}\"", response.StatusMessage);
    }
}
