using System.Diagnostics;
using System.Text.Json.Nodes;
using PodTools.TestCluster.Tests.Kubectl;
using static PodTools.TestCluster.Tests.Kubelet.KubeletPods;
using KubectlRunner = PodTools.TestCluster.Tests.Kubectl.Kubectl;

namespace PodTools.TestCluster.Tests.Kubelet;

/// <summary>kubectl exec, logs and port-forward against the test cluster behave as they do against a real cluster.</summary>
[Collection(KubeletCollection.Name)]
public sealed class KubectlKubeletTests(KubeletFixture fixture)
{
    private KubectlRunner Kubectl => new(fixture.Cluster.KubeconfigPath, Path.Combine(fixture.Cluster.WorkDirectory, "kubectl-cache"));

    private async Task<string> DuoAsync(string name = "duo")
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.CreatePodAsync(ns, Pod(name, ("c1", "busybox", ["sh", "-c", "echo started-c1; sleep 0.2; echo warn-c1 >&2; sleep 3600"], []), ("c2", "busybox", null, [])));
        await Manifests.EventuallyAsync(async () => (await fixture.Admin.GetAsync($"/api/v1/namespaces/{ns}/pods/{name}/log?container=c1")).Text.Contains("warn-c1"),
            "c1 logged both lines");
        return ns;
    }

    [KubectlFact]
    public async Task Exec_with_c_runs_in_that_container_with_its_identity_and_files()
    {
        var ns = await DuoAsync();
        Assert.Equal(0, (await Kubectl.RunAsync("exec", "-n", ns, "-c", "c1", "duo", "--", "touch", "only-in-c1")).ExitCode);

        var c1 = await Kubectl.RunAsync("exec", "-n", ns, "-c", "c1", "duo", "--", "sh", "-c", "echo $HOSTNAME; ls");
        var c2 = await Kubectl.RunAsync("exec", "-n", ns, "-c", "c2", "duo", "--", "sh", "-c", "echo $HOSTNAME; ls");

        Assert.Equal((0, "duo\nonly-in-c1\n", ""), (c1.ExitCode, c1.StdOut, c1.StdErr));
        Assert.Equal((0, "duo\n", ""), (c2.ExitCode, c2.StdOut, c2.StdErr));
    }

    [KubectlFact]
    public async Task Exec_propagates_the_remote_exit_code_and_stderr()
    {
        var ns = await DuoAsync();
        var result = await Kubectl.RunAsync("exec", "-n", ns, "-c", "c1", "duo", "--", "sh", "-c", "echo to-err >&2; exit 7");
        Assert.Equal(7, result.ExitCode);
        Assert.Equal("to-err\ncommand terminated with exit code 7\n", result.StdErr);
    }

    [KubectlFact]
    public async Task Exec_and_logs_without_c_default_to_the_first_container_with_kubectls_notice()
    {
        // kubectl 1.32 does not refuse: it picks the first container itself and says so on stderr (the API
        // server's refusal without a container is covered by the HTTP tests).
        var ns = await DuoAsync();
        var exec = await Kubectl.RunAsync("exec", "-n", ns, "duo", "--", "sh", "-c", "echo in-default");
        Assert.Equal(0, exec.ExitCode);
        Assert.Equal("in-default\n", exec.StdOut);
        Assert.Equal("Defaulted container \"c1\" out of: c1, c2\n", exec.StdErr);

        var logs = await Kubectl.RunAsync("logs", "-n", ns, "duo");
        Assert.Equal("Defaulted container \"c1\" out of: c1, c2\n", logs.StdErr);
        Assert.Equal("started-c1\nwarn-c1\n", logs.StdOut);
    }

    [KubectlFact]
    public async Task Logs_with_c_show_each_containers_own_log()
    {
        var ns = await DuoAsync();
        var c1 = await Kubectl.RunAsync("logs", "-n", ns, "duo", "-c", "c1", "--tail", "1");
        var c2 = await Kubectl.RunAsync("logs", "-n", ns, "duo", "-c", "c2", "--timestamps");
        Assert.Equal((0, "warn-c1\n"), (c1.ExitCode, c1.StdOut));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z busybox: container c2 started\n$", c2.StdOut);
    }

    [KubectlFact]
    public async Task Unknown_containers_and_missing_previous_instances_are_refused_with_the_servers_messages()
    {
        var ns = await DuoAsync();
        var exec = await Kubectl.RunAsync("exec", "-n", ns, "-c", "nope", "duo", "--", "true");
        Assert.Equal((1, "Error from server (BadRequest): container nope is not valid for pod duo\n"), (exec.ExitCode, exec.StdErr));

        var logs = await Kubectl.RunAsync("logs", "-n", ns, "duo", "-c", "nope");
        Assert.Equal("error: container nope is not valid for pod duo\n", logs.StdErr);

        var previous = await Kubectl.RunAsync("logs", "-n", ns, "duo", "-c", "c2", "--previous");
        Assert.Equal("Error from server (BadRequest): previous terminated container \"c2\" in pod \"duo\" not found\n", previous.StdErr);
    }

    [KubectlFact]
    public async Task Logs_previous_of_a_crashing_container_show_the_instance_before_the_restart()
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.CreatePodAsync(ns, Pod("crash", ("app", "busybox:crash", null, [])), waitForRunning: false);
        await fixture.WaitForPodAsync(ns, "crash", p => (long?)p["status"]?["containerStatuses"]?[0]?["restartCount"] >= 1, "restarted", 30);

        var previous = await Kubectl.RunAsync("logs", "-n", ns, "crash", "--previous");
        Assert.Equal((0, "busybox:crash: container app started\n", ""), (previous.ExitCode, previous.StdOut, previous.StdErr));
    }

    [KubectlTheory]
    [InlineData("true")]  // kubectl 1.31+: SPDY tunnelled through a WebSocket (SPDY/3.1+portforward.k8s.io)
    [InlineData("false")] // the plain SPDY/3.1 upgrade kubectl falls back to
    public async Task Port_forward_serves_ten_parallel_HTTP_requests_from_the_container_port(string websockets)
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.CreatePodAsync(ns, Pod("web", ("app", "nginx:1.27", null, [8080])));
        var start = new ProcessStartInfo(KubectlRunner.Executable!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--kubeconfig", fixture.Cluster.KubeconfigPath, "port-forward", "-n", ns, "pod/web", ":8080" }) start.ArgumentList.Add(arg);
        start.Environment["KUBECTL_PORT_FORWARD_WEBSOCKETS"] = websockets;
        using var kubectl = Process.Start(start)!;
        try
        {
            // "Forwarding from 127.0.0.1:41234 -> 8080"
            var line = await kubectl.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var match = System.Text.RegularExpressions.Regex.Match(line ?? "", @"^Forwarding from 127\.0\.0\.1:(\d+) -> 8080$");
            Assert.True(match.Success, $"unexpected kubectl output: {line}");
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{match.Groups[1].Value}"), Timeout = TimeSpan.FromSeconds(30) };

            var bodies = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => http.GetStringAsync($"/req-{i}")));

            for (var i = 0; i < 10; i++) Assert.Equal($"pod=web namespace={ns} container=app port=8080 method=GET path=/req-{i}\n", bodies[i]);
        }
        finally
        {
            kubectl.Kill(entireProcessTree: true);
        }
    }

    [TmuxKubectlTheory]
    [InlineData("true")]  // kubectl's default: WebSocket, v5.channel.k8s.io
    [InlineData("false")] // SPDY/3.1, what kubectl falls back to
    public async Task Exec_it_under_tmux_is_an_interactive_terminal_that_follows_the_window_size(string websockets)
    {
        var ns = await DuoAsync();
        await using var tmux = await Tmux.StartAsync(
            $"env KUBECTL_REMOTE_COMMAND_WEBSOCKETS={websockets} {KubectlRunner.Executable} --kubeconfig {fixture.Cluster.KubeconfigPath} exec -it -n {ns} -c c1 duo -- sh", 90, 25);

        await tmux.WaitForScreenAsync(s => s.TrimEnd().EndsWith('#') || s.TrimEnd().EndsWith('$'), "the shell prompt");
        await tmux.SendKeysAsync("echo hi-$((1+1))", "Enter");
        await tmux.WaitForScreenAsync(s => s.Contains("\nhi-2"), "the command's output");

        await tmux.SendKeysAsync("stty size", "Enter");
        var (rows, columns) = await tmux.PaneSizeAsync();
        await tmux.WaitForScreenAsync(s => s.Contains($"\n{rows} {columns}"), $"stty size {rows} {columns}");

        await tmux.RunAsync("resize-window", "-t", tmux.Session, "-x", "71", "-y", "19");
        (rows, columns) = await tmux.PaneSizeAsync();
        Assert.Equal(71, columns);
        await Task.Delay(300); // kubectl sends the new size when it sees SIGWINCH
        await tmux.SendKeysAsync("clear; stty size", "Enter");
        await tmux.WaitForScreenAsync(s => s.Contains($"{rows} {columns}"), $"stty size {rows} {columns} after the resize");

        await tmux.SendKeysAsync("exit 3", "Enter");
        var exitCode = await tmux.WaitForExitAsync();
        Assert.Contains("command terminated with exit code 3", await tmux.CaptureAsync());
        Assert.True(exitCode is null or 3, $"kubectl exited with {exitCode}");
    }
}

/// <summary>A theory that is skipped, with the reason shown, where kubectl is not installed.</summary>
public sealed class KubectlTheoryAttribute : TheoryAttribute
{
    public KubectlTheoryAttribute()
    {
        if (KubectlRunner.Executable is null) Skip = "kubectl is not on PATH: the kubectl cross-checks did not run";
    }
}

/// <summary>A kubectl theory that also needs tmux; skipped with the reason shown where either is missing.</summary>
public sealed class TmuxKubectlTheoryAttribute : TheoryAttribute
{
    public TmuxKubectlTheoryAttribute()
    {
        if (KubectlRunner.Executable is null) Skip = "kubectl is not on PATH: the kubectl exec -it check did not run";
        else if (Tmux.Executable is null) Skip = "tmux is not on PATH: the kubectl exec -it terminal check did not run";
    }
}

/// <summary>A private tmux server (its own socket) running one detached session, for terminal tests.</summary>
internal sealed class Tmux : IAsyncDisposable
{
    private readonly string _socket;

    private Tmux(string socket, string session)
    {
        _socket = socket;
        Session = session;
    }

    public static string? Executable { get; } = new[] { "/usr/bin/tmux", "/bin/tmux", "/usr/local/bin/tmux" }.FirstOrDefault(File.Exists);

    public string Session { get; }

    public static async Task<Tmux> StartAsync(string command, int width, int height)
    {
        var tmux = new Tmux("podtools-" + Guid.NewGuid().ToString("N")[..8], "t");
        await tmux.RunAsync("-f", "/dev/null", "new-session", "-d", "-s", tmux.Session, "-x", width.ToString(), "-y", height.ToString(), command);
        await tmux.RunAsync("set-option", "-t", tmux.Session, "status", "off");
        // Keep the pane when the command exits, so the test can see how it ended.
        await tmux.RunAsync("set-option", "-t", tmux.Session, "remain-on-exit", "on");
        return tmux;
    }

    public async Task<string> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Executable!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-L");
        start.ArgumentList.Add(_socket);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"tmux {string.Join(' ', args)}: {error}");
        return output;
    }

    public Task SendKeysAsync(params string[] keys) => RunAsync(["send-keys", "-t", Session, .. keys]);

    public Task<string> CaptureAsync() => RunAsync("capture-pane", "-p", "-t", Session);

    public async Task<(int Rows, int Columns)> PaneSizeAsync()
    {
        var size = (await RunAsync("display-message", "-p", "-t", Session, "#{pane_height} #{pane_width}")).Trim().Split(' ');
        return (int.Parse(size[0]), int.Parse(size[1]));
    }

    public async Task WaitForScreenAsync(Func<string, bool> condition, string what, double timeoutSeconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        var screen = "";
        while (DateTime.UtcNow < deadline)
        {
            screen = await CaptureAsync();
            if (condition(screen)) return;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"timed out waiting for {what}; screen:\n{screen}");
    }

    /// <summary>Waits until the pane's command has exited and returns its exit status when tmux recorded it.</summary>
    public async Task<int?> WaitForExitAsync(double timeoutSeconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (DateTime.UtcNow < deadline)
        {
            // tmux does not always record the status of a dead pane (pane_dead_status stays empty); null then.
            var state = (await RunAsync("display-message", "-p", "-t", Session, "#{pane_dead} #{pane_dead_status}")).Trim().Split(' ');
            if (state[0] == "1") return state.Length > 1 && int.TryParse(state[1], out var exitCode) ? exitCode : null;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"the command in the tmux pane did not exit; screen:\n{await CaptureAsync()}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("kill-server");
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
