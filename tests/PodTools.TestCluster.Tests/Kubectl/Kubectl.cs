using System.Diagnostics;
using System.Text.RegularExpressions;

namespace PodTools.TestCluster.Tests.Kubectl;

/// <summary>kubectl from PATH, run against a test cluster's kubeconfig with a private discovery cache.</summary>
public sealed class Kubectl
{
    private readonly string _kubeconfig;
    private readonly string _cacheDirectory;

    public Kubectl(string kubeconfig, string cacheDirectory)
    {
        _kubeconfig = kubeconfig;
        _cacheDirectory = cacheDirectory;
    }

    public static string? Executable { get; } = Find();

    /// <summary>
    /// What kubectl printed. StdErr holds what it says to the user (the remote command's stderr, its notices and
    /// errors); Diagnostics holds its own klog lines (E1128 12:00:00.000000 123 file.go:45] ...), kept apart because
    /// under load client-go's websocket code can log one about a closing connection after a command that worked.
    /// </summary>
    public sealed record Result(int ExitCode, string StdOut, string StdErr, string Diagnostics = "");

    private static readonly Regex KlogLine = new(@"^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ \S+:\d+\] .*(\n|$)", RegexOptions.Multiline);

    public async Task<Result> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Executable ?? throw new InvalidOperationException("kubectl is not on PATH"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(_kubeconfig);
        start.ArgumentList.Add("--cache-dir");
        start.ArgumentList.Add(_cacheDirectory);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish in 60 s");
        }
        var errors = await stderr;
        var diagnostics = string.Concat(KlogLine.Matches(errors).Select(m => m.Value));
        return new Result(process.ExitCode, await stdout, KlogLine.Replace(errors, ""), diagnostics);
    }

    private static string? Find()
    {
        var name = OperatingSystem.IsWindows() ? "kubectl.exe" : "kubectl";
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (directory.Length == 0) continue;
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}

/// <summary>A fact that is skipped, with the reason shown, where kubectl is not installed.</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (Kubectl.Executable is null) Skip = "kubectl is not on PATH: the kubectl cross-checks did not run";
    }
}

/// <summary>A cluster of its own for the kubectl tests, which run while the API tests use theirs.</summary>
public sealed class KubectlFixture : IAsyncLifetime
{
    public TestClusterHost Cluster { get; private set; } = null!;
    public Kubectl Kubectl { get; private set; } = null!;
    public ApiClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await TestClusterHost.StartAsync(new TestClusterOptions { TimeScale = 30 });
        Kubectl = new Kubectl(Cluster.KubeconfigPath, Path.Combine(Cluster.WorkDirectory, "kubectl-cache"));
        Admin = new ApiClient(Cluster.CreateHttpClient());
    }

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        await Cluster.DisposeAsync();
    }
}
