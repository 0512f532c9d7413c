using System.Text;
using k8s.Models;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;
using PodTools.Engine.Pods;

namespace PodTools.Engine.Containers;

/// <summary>A pod and the container chosen in it, read fresh from the server.</summary>
public sealed record ExecTarget(string Namespace, string Pod, string Container, V1Pod Object);

/// <summary>
/// Runs commands in containers: resolves the pod and its container (kubectl's default-container rules), refuses
/// pods that cannot run a command, and drives an <see cref="ExecSession"/> to its exit status.
/// </summary>
public sealed class ExecService(KubeConnection connection)
{
    public KubeConnection Connection => connection;

    /// <summary>
    /// Reads the pod, picks the container (the requested one, the annotated default, or the only one) and checks that
    /// it is running. Throws PodNotFound, ContainerNotFound, ContainerNameRequired, PodNotRunning, ContainerNotRunning.
    /// </summary>
    public async Task<ExecTarget> ResolveAsync(string @namespace, string pod, string? container, CancellationToken cancellationToken)
    {
        var read = await new PodService(connection).GetAsync(@namespace, pod, cancellationToken).ConfigureAwait(false);
        string chosen = ContainerSelection.Resolve(read.Object, container);
        if (ContainerSelection.NotRunning(read.Object, chosen) is { } refusal)
        {
            throw refusal;
        }

        return new ExecTarget(@namespace, pod, chosen, read.Object);
    }

    /// <summary>Opens an exec session in <paramref name="target"/>.</summary>
    public Task<ExecSession> StartAsync(ExecTarget target, IReadOnlyList<string> command, bool stdin, bool tty,
        TerminalSize? size, CancellationToken cancellationToken)
    {
        if (command is null || command.Count == 0)
        {
            throw new ArgumentException("A command is required.", nameof(command));
        }

        return ExecSession.StartAsync(connection, new ExecRequest
        {
            Namespace = target.Namespace,
            Pod = target.Pod,
            Container = target.Container,
            Command = command,
            Stdin = stdin,
            Tty = tty,
            InitialSize = size,
        }, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="command"/> without a TTY, sends <paramref name="stdin"/> (then end of file) when given,
    /// hands each output chunk to <paramref name="onOutput"/> as it arrives, and returns the exit code.
    /// A failure that is not an exit code (the command could not start) is an ExecFailed error.
    /// </summary>
    public async Task<int> RunAsync(ExecTarget target, IReadOnlyList<string> command, byte[]? stdin,
        Action<ExecOutput> onOutput, CancellationToken cancellationToken)
    {
        await using var session = await StartAsync(target, command, stdin is not null, tty: false, size: null, cancellationToken)
            .ConfigureAwait(false);
        var writer = stdin is null ? Task.CompletedTask : SendStdinAsync(session, stdin, cancellationToken);
        while (await session.Output.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (session.Output.TryRead(out var chunk))
            {
                onOutput(chunk);
            }
        }

        var exit = await session.Completion.ConfigureAwait(false);
        try
        {
            await writer.ConfigureAwait(false);
        }
        catch (KubeEngineException) when (exit.ExitCode is not null)
        {
            // The process ended without reading all of its input (e.g. `head -1`): its exit status is the answer.
        }

        return ExitCodeOrThrow(target, exit);
    }

    /// <summary>Runs the command and collects its whole output (for a bulk run across pods).</summary>
    public async Task<KExecResult> CollectAsync(ExecTarget target, IReadOnlyList<string> command, byte[]? stdin,
        CancellationToken cancellationToken)
    {
        var output = new MemoryStream();
        var error = new MemoryStream();
        int code = await RunAsync(target, command, stdin,
            chunk => (chunk.Stream == ExecStream.StdOut ? output : error).Write(chunk.Data.Span), cancellationToken).ConfigureAwait(false);
        return new KExecResult
        {
            Pod = target.Pod,
            Namespace = target.Namespace,
            Container = target.Container,
            Output = Encoding.UTF8.GetString(output.GetBuffer(), 0, (int)output.Length),
            Error = Encoding.UTF8.GetString(error.GetBuffer(), 0, (int)error.Length),
            ExitCode = code,
        };
    }

    /// <summary>
    /// The interactive shell for <paramref name="target"/>: bash when the container has it, else sh (asked with a
    /// quick non-TTY `command -v bash`; a container without sh gets sh and the server's error).
    /// </summary>
    public async Task<string> DefaultShellAsync(ExecTarget target, CancellationToken cancellationToken)
    {
        try
        {
            int code = await RunAsync(target, ["sh", "-c", "command -v bash"], null, _ => { }, cancellationToken).ConfigureAwait(false);
            return code == 0 ? "bash" : "sh";
        }
        catch (KubeEngineException error) when (error.ErrorId == "ExecFailed")
        {
            return "sh";
        }
    }

    /// <summary>The exit code, or an ExecFailed error when the server reported a failure that is not one.</summary>
    public static int ExitCodeOrThrow(ExecTarget target, ExecExit exit) =>
        exit.ExitCode ?? throw new KubeEngineException("ExecFailed", KubeErrorCategory.InvalidOperation,
            $"The command could not run in container '{target.Container}' of pod '{target.Pod}': {exit.Message}", target.Pod);

    private static async Task SendStdinAsync(ExecSession session, byte[] stdin, CancellationToken cancellationToken)
    {
        await session.WriteStdinAsync(stdin, cancellationToken).ConfigureAwait(false);
        if (!await session.CloseStdinAsync(cancellationToken).ConfigureAwait(false))
        {
            EngineHostScope.Current.WriteWarning(
                $"The server speaks {session.Protocol}, which cannot signal the end of input; a command that reads stdin to its end will not finish.");
        }
    }
}
