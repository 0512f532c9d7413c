using System.Management.Automation;
using PodTools.Completers;
using PodTools.Containers;
using PodTools.Engine.Containers;
using PodTools.Engine.Errors;

namespace PodTools.Commands;

/// <summary>
/// Enter-KPodContainer: an interactive terminal in a container, like `kubectl exec -it`. The console goes raw (every
/// key, Ctrl+C included, goes to the container), the remote terminal follows the window size, the console is restored
/// on exit, and the remote exit code lands in $LASTEXITCODE.
/// </summary>
[Cmdlet(VerbsCommon.Enter, "KPodContainer")]
[OutputType(typeof(void))]
public sealed class EnterKPodContainerCommand : NamespacedKubeCmdlet
{
    /// <summary>The pod (also from the pipeline: a name or a Get-KPod object).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>The container; default: the pod's default-container annotation, else its only container.</summary>
    [Parameter(Position = 1)]
    [Alias("c")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    public string? Container { get; set; }

    /// <summary>What to run; default: bash when the container has it, else sh.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Command { get; set; }

    protected override void ProcessRecord()
    {
        if (!RawTerminal.IsInteractive)
        {
            ThrowTerminatingError(new ErrorRecord(
                new PSInvalidOperationException("Enter-KPodContainer needs an interactive terminal; use Invoke-KPodCommand to run a command with redirected input or output."),
                "TerminalRequired", ErrorCategory.InvalidOperation, Name));
        }

        var service = new ExecService(Connection);
        string ns = ResolvedNamespace;
        string name = Name;
        string? container = Container;
        var command = Command;
        var size = TerminalBridge.WindowSize();
        ExecSession? session = null;
        Pump(async (output, token) =>
        {
            var target = await service.ResolveAsync(ns, name, container, token).ConfigureAwait(false);
            IReadOnlyList<string> argv = command ?? [await service.DefaultShellAsync(target, token).ConfigureAwait(false)];
            var opened = await service.StartAsync(target, argv, stdin: true, tty: true, size, token).ConfigureAwait(false);
            output.WriteVerbose($"Entering container '{target.Container}' of pod '{name}' in namespace '{ns}': {string.Join(' ', argv)} ({opened.Protocol}).");
            session = opened;
        });
        if (session is null)
        {
            return;
        }

        ExecExit exit;
        try
        {
            exit = TerminalBridge.Run(session, CancelToken);
        }
        catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (KubeEngineException error)
        {
            WriteError(ToErrorRecord(error));
            return;
        }
        finally
        {
            session.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
        }

        if (exit.ExitCode is null)
        {
            SessionState.PSVariable.Set("global:LASTEXITCODE", 1);
            WriteError(ToErrorRecord(new KubeEngineException("ExecFailed", KubeErrorCategory.InvalidOperation,
                $"The session in container '{session.Request.Container}' of pod '{name}' ended with an error: {exit.Message}", name)));
            return;
        }

        SessionState.PSVariable.Set("global:LASTEXITCODE", exit.ExitCode.Value);
        WriteVerbose($"The session in container '{session.Request.Container}' of pod '{name}' ended with exit code {exit.ExitCode.Value}.");
    }
}
