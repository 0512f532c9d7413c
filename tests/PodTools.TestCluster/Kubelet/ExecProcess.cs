using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace PodTools.TestCluster.Kubelet;

/// <summary>
/// A process started by exec, in its own session and process group so that ending the exec (client gone,
/// pod deleted, cluster stopping) ends everything it started. With a TTY it runs under util-linux `script`,
/// which gives it a real pseudo-terminal; resizes are set on that terminal with TIOCSWINSZ, which makes the
/// kernel send SIGWINCH to its foreground process group just as a container runtime's resize does.
/// </summary>
internal sealed class ExecProcess : IDisposable
{
    private static readonly string? SetsidPath = FindExecutable("setsid");
    private static readonly string? ScriptPath = FindExecutable("script");

    private readonly Process _process;
    private readonly bool _tty;
    private readonly object _terminalGate = new();
    private string? _terminalPath;

    private ExecProcess(Process process, bool tty)
    {
        _process = process;
        _tty = tty;
    }

    public Stream StandardInput => _process.StandardInput.BaseStream;
    public Stream StandardOutput => _process.StandardOutput.BaseStream;

    /// <summary>Null with a TTY: the terminal merges stderr into stdout.</summary>
    public Stream? StandardError => _tty ? null : _process.StandardError.BaseStream;

    public static bool TtySupported => ScriptPath is not null && OperatingSystem.IsLinux();

    /// <summary>Starts argv (looked up in the container's PATH, like runc exec) in the working directory with exactly the given environment.</summary>
    /// <exception cref="Win32Exception">The executable is not found; the message is runc's.</exception>
    public static ExecProcess Start(IReadOnlyList<string> argv, string workingDirectory, IReadOnlyDictionary<string, string> environment, bool tty, (int Width, int Height)? initialSize)
    {
        var executable = ResolveExecutable(argv[0], environment.GetValueOrDefault("PATH") ?? "");
        var start = new ProcessStartInfo
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var command = new List<string>();
        if (SetsidPath is not null) command.Add(SetsidPath);
        if (tty)
        {
            if (ScriptPath is null) throw new Win32Exception(2, "exec: \"script\": a pseudo-terminal needs util-linux script, which is not installed");
            // script runs the line with /bin/sh -c on a new pty; -e returns the command's exit code, -f flushes
            // output as it comes, -q drops script's own banner. The initial size is set before the command runs,
            // so a program that reads it at once (tput cols) sees it.
            var line = ShellQuote(executable) + string.Concat(argv.Skip(1).Select(a => " " + ShellQuote(a)));
            if (initialSize is { } size) line = $"stty cols {size.Width} rows {size.Height} 2>/dev/null; exec {line}";
            command.AddRange([ScriptPath, "-qfec", line, "/dev/null"]);
        }
        else
        {
            command.Add(executable);
            command.AddRange(argv.Skip(1));
        }
        start.FileName = command[0];
        foreach (var arg in command.Skip(1)) start.ArgumentList.Add(arg);
        start.Environment.Clear();
        foreach (var (key, value) in environment) start.Environment[key] = value;
        // containerd gives a TTY exec TERM=xterm when the container does not set it.
        if (tty && !environment.ContainsKey("TERM")) start.Environment["TERM"] = "xterm";

        var process = Process.Start(start) ?? throw new Win32Exception(2, $"exec: \"{argv[0]}\": cannot start");
        return new ExecProcess(process, tty);
    }

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return _process.ExitCode;
    }

    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>Sets the terminal size (columns, rows); the foreground process group gets SIGWINCH.</summary>
    public void Resize(int width, int height)
    {
        if (!_tty || width <= 0 || height <= 0 || width > ushort.MaxValue || height > ushort.MaxValue) return;
        var path = TerminalPath();
        if (path is null) return;
        var fd = Native.Open(path, Native.ReadWrite | Native.NoControllingTty | Native.NonBlocking);
        if (fd < 0) return;
        try
        {
            var size = new Native.WinSize { Rows = (ushort)height, Columns = (ushort)width };
            _ = Native.SetWindowSize(fd, Native.TIOCSWINSZ, ref size);
        }
        finally
        {
            _ = Native.Close(fd);
        }
    }

    // The pty slave: the standard input of script's child, found through /proc (script keeps the master to itself).
    private string? TerminalPath()
    {
        lock (_terminalGate)
        {
            if (_terminalPath is not null) return _terminalPath;
            var deadline = DateTime.UtcNow.AddSeconds(2);
            while (DateTime.UtcNow < deadline && !HasExited)
            {
                try
                {
                    var children = File.ReadAllText($"/proc/{_process.Id}/task/{_process.Id}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    foreach (var child in children)
                    {
                        var target = new FileInfo($"/proc/{child}/fd/0").LinkTarget;
                        if (target is not null && target.StartsWith("/dev/pts/", StringComparison.Ordinal)) return _terminalPath = target;
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // The child is starting or already gone.
                }
                Thread.Sleep(5);
            }
            return null;
        }
    }

    /// <summary>SIGKILL to the whole process group.</summary>
    public void Kill()
    {
        try
        {
            if (SetsidPath is not null && OperatingSystem.IsLinux()) _ = Native.Kill(-_process.Id, 9);
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>POSIX shell single quoting.</summary>
    internal static string ShellQuote(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c)) ? value : "'" + value.Replace("'", "'\\''") + "'";

    // Like execvp: a name without '/' is looked up in the container's PATH. The message is runc's.
    private static string ResolveExecutable(string command, string path)
    {
        if (command.Contains('/'))
        {
            if (File.Exists(command)) return command;
            throw new Win32Exception(2, $"exec: \"{command}\": stat {command}: no such file or directory");
        }
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, command);
            if (File.Exists(candidate)) return candidate;
        }
        throw new Win32Exception(2, $"exec: \"{command}\": executable file not found in $PATH");
    }

    private static string? FindExecutable(string name) =>
        OperatingSystem.IsWindows() ? null : new[] { "/usr/bin/", "/bin/" }.Select(d => d + name).FirstOrDefault(File.Exists);

    private static class Native
    {
        public const int ReadWrite = 2;
        public const int NoControllingTty = 0x100;
        public const int NonBlocking = 0x800;
        public const ulong TIOCSWINSZ = 0x5414;

        [StructLayout(LayoutKind.Sequential)]
        public struct WinSize
        {
            public ushort Rows;
            public ushort Columns;
            public ushort XPixels;
            public ushort YPixels;
        }

        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        public static extern int Close(int fd);

        [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
        public static extern int SetWindowSize(int fd, ulong request, ref WinSize size);

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static extern int Kill(int pid, int signal);
    }

    internal static string Describe(IReadOnlyList<string> argv) => "[" + string.Join(' ', argv) + "]";
}
