using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace PodTools.TestCluster.ControlPlane;

/// <summary>
/// A container's main process: exec'd directly like a container runtime does (no shell unless the command is
/// one), in its own process group so that SIGTERM/SIGKILL reach everything it started. Every live group is
/// also killed when the test process exits, so no container outlives the cluster.
/// </summary>
internal sealed class ContainerProcess : IDisposable
{
    private static readonly ConcurrentDictionary<int, ContainerProcess> Live = new();
    private static readonly string? SetsidPath = FindSetsid();

    static ContainerProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    private readonly Process _process;
    private readonly bool _ownGroup;

    private ContainerProcess(Process process, bool ownGroup)
    {
        _process = process;
        _ownGroup = ownGroup;
    }

    public int ProcessId => _process.Id;

    /// <summary>Starts the process; lines of stdout and stderr go to <paramref name="onLine"/> ("stdout"/"stderr", text).</summary>
    /// <exception cref="Win32Exception">The executable cannot be found or run.</exception>
    public static ContainerProcess Start(IReadOnlyList<string> argv, string workingDirectory, IReadOnlyDictionary<string, string> environment, Action<string, string> onLine)
    {
        var ownGroup = SetsidPath is not null && !OperatingSystem.IsWindows();
        var executable = ResolveExecutable(argv[0], environment.GetValueOrDefault("PATH") ?? "");
        var startInfo = new ProcessStartInfo
        {
            // setsid execs the command in a new session (same pid), which makes it a process-group leader.
            FileName = ownGroup ? SetsidPath! : executable,
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (ownGroup) startInfo.ArgumentList.Add(executable);
        foreach (var arg in argv.Skip(1)) startInfo.ArgumentList.Add(arg);
        // The container sees only its own environment, not the test host's.
        startInfo.Environment.Clear();
        foreach (var (key, value) in environment) startInfo.Environment[key] = value;

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) onLine("stdout", e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) onLine("stderr", e.Data); };
        process.Start();
        var container = new ContainerProcess(process, ownGroup);
        Live[process.Id] = container;
        process.StandardInput.Close(); // a container without stdin reads EOF
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return container;
    }

    /// <summary>Waits for exit and for the last output lines; returns the exit code (128+signal when killed, as containerd reports).</summary>
    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        Live.TryRemove(_process.Id, out _);
        return _process.ExitCode;
    }

    public void Terminate() => Signal(Sigterm);

    public void Kill()
    {
        Signal(Sigkill);
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private const int Sigterm = 15;
    private const int Sigkill = 9;

    private void Signal(int signal)
    {
        if (OperatingSystem.IsWindows())
        {
            if (signal == Sigkill) _process.Kill(entireProcessTree: true);
            return;
        }
        try
        {
            // A negative pid addresses the whole process group; the group may outlive its leader.
            if (_ownGroup) _ = SysKill(-_process.Id, signal);
            if (!_process.HasExited) _ = SysKill(_process.Id, signal);
        }
        catch (InvalidOperationException)
        {
            // The process object was never started or is disposed.
        }
    }

    /// <summary>SIGKILLs every container process group still alive (cluster stop, test-host exit).</summary>
    public static void KillAll()
    {
        foreach (var container in Live.Values) container.Kill();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    private static string? FindSetsid() =>
        OperatingSystem.IsWindows() ? null : new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    // Like execvp: a name without '/' is looked up in the container's PATH.
    private static string ResolveExecutable(string command, string path)
    {
        if (command.Contains('/')) return command;
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, command);
            if (File.Exists(candidate)) return candidate;
        }
        throw new Win32Exception(2, $"exec: \"{command}\": executable file not found in $PATH");
    }
}
