using System.Runtime.InteropServices;
using System.Text;
using PodTools.Engine.Containers;

namespace PodTools.Containers;

/// <summary>
/// Connects the local console to a TTY exec session: every input byte (Ctrl+C included) goes to the remote side,
/// remote output goes straight to the console, and the remote terminal follows the local window size.
/// </summary>
internal static class TerminalBridge
{
    private static readonly TimeSpan ResizePoll = TimeSpan.FromMilliseconds(250);

    /// <summary>The local window size, or null when there is no console window.</summary>
    public static TerminalSize? WindowSize()
    {
        try
        {
            return Console.WindowWidth > 0 && Console.WindowHeight > 0 ? new TerminalSize(Console.WindowWidth, Console.WindowHeight) : null;
        }
        catch (Exception error) when (error is IOException or PlatformNotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Runs the session with the console in raw mode until the remote process ends; returns how it ended.</summary>
    public static ExecExit Run(ExecSession session, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using (RawTerminal.Enter())
        {
            var output = Task.Run(() => CopyOutputAsync(session, stop.Token));
            var input = Task.Factory.StartNew(() => CopyInput(session, stop.Token), stop.Token,
                TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var resize = Task.Run(() => FollowWindowAsync(session, stop.Token));
            try
            {
                // Output ends when the remote process has ended and everything it wrote was shown.
                output.Wait(cancellationToken);
                return session.Completion.GetAwaiter().GetResult();
            }
            finally
            {
                stop.Cancel();
                // The input loop polls with a short timeout, so it leaves no read pending on the terminal.
                Task.WaitAll([input.ContinueWith(_ => { }), resize.ContinueWith(_ => { })], TimeSpan.FromSeconds(2));
            }
        }
    }

    private static async Task CopyOutputAsync(ExecSession session, CancellationToken cancellationToken)
    {
        using var stdout = Console.OpenStandardOutput();
        await foreach (var chunk in session.Output.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await stdout.WriteAsync(chunk.Data, cancellationToken).ConfigureAwait(false);
            await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static void CopyInput(ExecSession session, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (!cancellationToken.IsCancellationRequested)
        {
            int count = OperatingSystem.IsWindows() ? ReadKeys(buffer, cancellationToken) : ReadUnix(buffer);
            if (count < 0)
            {
                // End of input: the remote side sees end of file where the protocol can say it.
                session.CloseStdinAsync(cancellationToken).GetAwaiter().GetResult();
                return;
            }

            if (count > 0)
            {
                session.WriteStdinAsync(buffer.AsMemory(0, count), cancellationToken).GetAwaiter().GetResult();
            }
        }
    }

    /// <summary>Bytes read from fd 0 within 100 ms (0 when none arrived), or -1 at end of input.</summary>
    private static int ReadUnix(byte[] buffer)
    {
        var poll = new RawTerminal.Native.PollFd { Fd = 0, Events = RawTerminal.Native.PollIn };
        int ready = RawTerminal.Native.poll(ref poll, 1, 100);
        if (ready <= 0)
        {
            return ready < 0 && Marshal.GetLastPInvokeError() != 4 /* EINTR */ ? -1 : 0;
        }

        nint read = RawTerminal.Native.read(0, buffer, buffer.Length);
        return read > 0 ? (int)read : read == 0 ? -1 : Marshal.GetLastPInvokeError() == 4 ? 0 : -1;
    }

    /// <summary>Windows: keys as the bytes a terminal would send.</summary>
    private static int ReadKeys(byte[] buffer, CancellationToken cancellationToken)
    {
        if (!Console.KeyAvailable)
        {
            cancellationToken.WaitHandle.WaitOne(50);
            return 0;
        }

        var key = Console.ReadKey(intercept: true);
        string text = key.Key switch
        {
            ConsoleKey.UpArrow => "\u001b[A",
            ConsoleKey.DownArrow => "\u001b[B",
            ConsoleKey.RightArrow => "\u001b[C",
            ConsoleKey.LeftArrow => "\u001b[D",
            ConsoleKey.Home => "\u001b[H",
            ConsoleKey.End => "\u001b[F",
            ConsoleKey.Delete => "\u001b[3~",
            ConsoleKey.Enter => "\r",
            _ => key.KeyChar == '\0' ? "" : key.KeyChar.ToString(),
        };
        return Encoding.UTF8.GetBytes(text, buffer);
    }

    private static async Task FollowWindowAsync(ExecSession session, CancellationToken cancellationToken)
    {
        var last = WindowSize();
        using var changed = new SemaphoreSlim(0);
        PosixSignalRegistration? registration = null;
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                // SIGWINCH answers a resize at once; the poll below covers hosts where the signal is not delivered.
                registration = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => changed.Release());
            }
        }
        catch (Exception error) when (error is PlatformNotSupportedException or IOException)
        {
            registration = null;
        }

        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await changed.WaitAsync(ResizePoll, cancellationToken).ConfigureAwait(false);
                var now = WindowSize();
                if (now is { } size && now != last)
                {
                    last = now;
                    await session.ResizeAsync(size, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Session over.
        }
        catch (PodTools.Engine.Errors.KubeEngineException)
        {
            // The stream closed while resizing: the session is ending.
        }
        finally
        {
            registration?.Dispose();
        }
    }
}
