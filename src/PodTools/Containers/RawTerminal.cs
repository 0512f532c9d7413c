using System.Diagnostics;
using System.Runtime.InteropServices;

namespace PodTools.Containers;

/// <summary>
/// Puts the controlling terminal into raw mode (no echo, no line editing, no signals: Ctrl+C is a byte for the
/// remote side) and restores the saved settings on dispose. Unix uses tcgetattr/cfmakeraw/tcsetattr on stdin
/// directly; /bin/stty is the fallback. Running stty as a child is avoided when possible because .NET re-applies
/// its own terminal settings whenever a child that shares the terminal exits.
/// </summary>
internal sealed class RawTerminal : IDisposable
{
    private const int StdinFd = 0;
    private const int TcsaNow = 0;
    // Larger than struct termios on Linux (60 bytes) and macOS (72): the struct is only saved, made raw and restored.
    private const int TermiosSize = 256;

    private readonly byte[]? _saved;
    private readonly string? _savedStty;
    private readonly bool _treatControlCAsInput;
    private bool _restored;

    private RawTerminal(byte[]? saved, string? savedStty, bool treatControlCAsInput)
    {
        _saved = saved;
        _savedStty = savedStty;
        _treatControlCAsInput = treatControlCAsInput;
    }

    /// <summary>True when stdin is a terminal this process can read raw.</summary>
    public static bool IsInteractive => !Console.IsInputRedirected && !Console.IsOutputRedirected;

    public static RawTerminal Enter()
    {
        bool previousControlC = Console.TreatControlCAsInput;
        // First, so .NET's own terminal configuration (applied now) already leaves signals off.
        Console.TreatControlCAsInput = true;
        if (OperatingSystem.IsWindows())
        {
            return new RawTerminal(null, null, previousControlC);
        }

        try
        {
            var saved = new byte[TermiosSize];
            if (Native.tcgetattr(StdinFd, saved) == 0)
            {
                var raw = (byte[])saved.Clone();
                Native.cfmakeraw(raw);
                if (Native.tcsetattr(StdinFd, TcsaNow, raw) == 0)
                {
                    return new RawTerminal(saved, null, previousControlC);
                }
            }
        }
        catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException)
        {
            // No usable libc: fall back to stty below.
        }

        string? savedStty = Stty("-g", capture: true)?.Trim();
        Stty("raw -echo", capture: false);
        return new RawTerminal(null, savedStty, previousControlC);
    }

    public void Dispose()
    {
        if (_restored)
        {
            return;
        }

        _restored = true;
        if (_saved is not null)
        {
            Native.tcsetattr(StdinFd, TcsaNow, _saved);
        }
        else if (!OperatingSystem.IsWindows())
        {
            Stty(string.IsNullOrEmpty(_savedStty) ? "sane" : _savedStty, capture: false);
        }

        Console.TreatControlCAsInput = _treatControlCAsInput;
    }

    /// <summary>Runs /bin/stty on the terminal (stdin inherited), returning its output when asked.</summary>
    private static string? Stty(string arguments, bool capture)
    {
        try
        {
            var start = new ProcessStartInfo("/bin/stty", arguments)
            {
                UseShellExecute = false,
                RedirectStandardOutput = capture,
            };
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            string? output = capture ? process.StandardOutput.ReadToEnd() : null;
            process.WaitForExit();
            return output;
        }
        catch (Exception error) when (error is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }

    internal static class Native
    {
        [StructLayout(LayoutKind.Sequential)]
        internal struct PollFd
        {
            public int Fd;
            public short Events;
            public short Revents;
        }

        internal const short PollIn = 1;

        [DllImport("libc", SetLastError = true)]
        internal static extern int tcgetattr(int fd, byte[] termios);

        [DllImport("libc", SetLastError = true)]
        internal static extern int tcsetattr(int fd, int optionalActions, byte[] termios);

        [DllImport("libc")]
        internal static extern void cfmakeraw(byte[] termios);

        [DllImport("libc", SetLastError = true)]
        internal static extern int poll(ref PollFd fds, nuint count, int timeoutMilliseconds);

        [DllImport("libc", SetLastError = true)]
        internal static extern nint read(int fd, byte[] buffer, nint count);
    }
}
