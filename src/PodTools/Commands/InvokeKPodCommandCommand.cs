using System.Management.Automation;
using System.Text;
using PodTools.Completers;
using PodTools.Engine.Bulk;
using PodTools.Engine.Containers;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;
using PodTools.Engine.Pods;

namespace PodTools.Commands;

/// <summary>
/// Invoke-KPodCommand: runs a command (argv, no TTY) in a container of one or many pods. One pod behaves like a
/// native command (stdout lines as strings while they arrive, stderr as error records, $LASTEXITCODE); several
/// pods run through the bulk engine and give one KExecResult per pod, with an error record for every non-zero exit.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "KPodCommand", DefaultParameterSetName = PodSet)]
[OutputType(typeof(string), typeof(KExecResult))]
public sealed class InvokeKPodCommandCommand : NamespacedKubeCmdlet
{
    private const string PodSet = "Pod";
    private const string NameSet = "Name";
    private const string SelectorSet = "Selector";

    private readonly List<(string Namespace, string Name)> _pods = [];
    private readonly StringBuilder _stdin = new();
    private bool _stdinBound;
    private string? _selector;

    /// <summary>The command and its arguments (argv, not run through a shell).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[] Command { get; set; } = [];

    /// <summary>Pods from Get-KPod.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PodSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public KPod[]? Pod { get; set; }

    /// <summary>Pod names in -Namespace.</summary>
    [Parameter(Mandatory = true, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>A label selector choosing the pods in -Namespace.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SelectorSet)]
    [Alias("l")]
    [ValidateNotNullOrEmpty]
    public string? Selector { get; set; }

    /// <summary>The container; default: the pod's default-container annotation, else its only container.</summary>
    [Parameter]
    [Alias("c")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    public string? Container { get; set; }

    /// <summary>Text sent to the command's stdin (each object as a line); pipeline input with -Name or -Selector.</summary>
    [Parameter(ParameterSetName = NameSet, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = SelectorSet, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = PodSet)]
    [AllowNull]
    [AllowEmptyString]
    public object? InputObject { get; set; }

    /// <summary>Open stdin even without -InputObject (the command then reads end of file at once).</summary>
    [Parameter]
    public SwitchParameter Stdin { get; set; }

    /// <summary>Most pods the command runs in at once.</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int ThrottleLimit { get; set; } = 16;

    protected override void BeginProcessing()
    {
        if (ParameterSetName == SelectorSet)
        {
            _selector = PodSelection.Combine(Selector, labels: null, out var selectorError);
            if (selectorError is not null)
            {
                ThrowTerminatingError(selectorError);
            }
        }
    }

    protected override void ProcessRecord()
    {
        if (MyInvocation.BoundParameters.ContainsKey(nameof(InputObject)))
        {
            _stdinBound = true;
            AppendStdin(InputObject);
        }

        switch (ParameterSetName)
        {
            case PodSet:
                foreach (var pod in Pod ?? [])
                {
                    _pods.Add((pod.Namespace, pod.Name));
                }

                break;
            case NameSet when _pods.Count == 0:
                string ns = ResolvedNamespace;
                foreach (string name in Name ?? [])
                {
                    _pods.Add((ns, name));
                }

                break;
        }
    }

    protected override void EndProcessing()
    {
        var service = new ExecService(Connection);
        byte[]? stdin = _stdinBound ? Encoding.UTF8.GetBytes(_stdin.ToString()) : Stdin ? [] : null;
        if (ParameterSetName == SelectorSet)
        {
            string ns = ResolvedNamespace;
            var request = new PodListRequest { Namespace = ns, LabelSelector = _selector };
            var listed = Await(async token =>
            {
                var pods = new List<(string, string)>();
                await foreach (var page in new PodService(Connection).ListPagesAsync(request, token).ConfigureAwait(false))
                {
                    pods.AddRange(page.Select(p => (p.Namespace, p.Name)));
                }

                return pods;
            });
            _pods.AddRange(listed ?? []);
            WriteVerbose($"{_pods.Count} pods in namespace '{ns}' match '{_selector}'.");
        }

        if (_pods.Count == 1 && ParameterSetName != SelectorSet)
        {
            RunInOnePod(service, _pods[0].Namespace, _pods[0].Name, stdin);
        }
        else if (_pods.Count > 0)
        {
            RunInMany(service, stdin);
        }
    }

    private void RunInOnePod(ExecService service, string ns, string name, byte[]? stdin)
    {
        int? exitCode = null;
        bool failedToRun = false;
        Pump(async (output, token) =>
        {
            var target = await service.ResolveAsync(ns, name, Container, token).ConfigureAwait(false);
            output.WriteVerbose($"Running '{string.Join(' ', Command)}' in container '{target.Container}' of pod '{name}' in namespace '{ns}'.");
            var stdout = new LineSplitter();
            var stderr = new LineSplitter();
            void Emit(ExecStream stream, string line)
            {
                if (stream == ExecStream.StdOut)
                {
                    output.WriteObject(line);
                }
                else
                {
                    output.WriteError(new KubeEngineException("RemoteStderr", KubeErrorCategory.NotSpecified, line, name));
                }
            }

            try
            {
                exitCode = await service.RunAsync(target, Command, stdin, chunk =>
                {
                    foreach (string line in (chunk.Stream == ExecStream.StdOut ? stdout : stderr).Add(chunk.Data.Span))
                    {
                        Emit(chunk.Stream, line);
                    }
                }, token).ConfigureAwait(false);
            }
            catch (KubeEngineException error) when (error.ErrorId == "ExecFailed")
            {
                failedToRun = true;
                throw;
            }
            finally
            {
                if (stdout.Flush() is { } lastOut)
                {
                    Emit(ExecStream.StdOut, lastOut);
                }

                if (stderr.Flush() is { } lastErr)
                {
                    Emit(ExecStream.StdErr, lastErr);
                }
            }
        });

        if (exitCode is not null || failedToRun)
        {
            int code = exitCode ?? 1;
            SessionState.PSVariable.Set("global:LASTEXITCODE", code);
            WriteVerbose($"The command exited with code {code} in pod '{name}'.");
        }
    }

    private void RunInMany(ExecService service, byte[]? stdin)
    {
        var command = Command;
        string? container = Container;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int nonZero = 0;
        // One attempt per pod: a command must not run twice because a stream broke after it started.
        var bulk = new PipelineBulkRun<(string Namespace, string Name), KExecResult>(this, "pod",
            () => async (pod, token) =>
            {
                var target = await service.ResolveAsync(pod.Namespace, pod.Name, container, token).ConfigureAwait(false);
                return await service.CollectAsync(target, command, stdin, token).ConfigureAwait(false);
            },
            new BulkOptions { ThrottleLimit = ThrottleLimit, MaxAttempts = 1 },
            outcome => nonZero += WriteResult(outcome));
        foreach (var pod in _pods)
        {
            bulk.Submit(pod);
        }

        var summary = bulk.Complete()!;
        WriteVerbose($"Invoke-KPodCommand: {_pods.Count} pods: {summary.Succeeded - nonZero} exited 0, {nonZero} exited non-zero, " +
                     $"{summary.Failed} could not run the command, in {clock.Elapsed.TotalSeconds:0.0#} s.");
    }

    /// <summary>Writes one pod's result (and an error for a non-zero exit); returns 1 for a non-zero exit.</summary>
    private int WriteResult(BulkOutcome<(string Namespace, string Name), KExecResult> outcome)
    {
        var (ns, name) = outcome.Item;
        if (outcome.Status == BulkItemStatus.Succeeded)
        {
            var result = outcome.Result!;
            WriteObject(result);
            if (result.ExitCode != 0)
            {
                var error = new KubeEngineException("NonZeroExitCode", KubeErrorCategory.NotSpecified,
                    $"command terminated with exit code {result.ExitCode} in container '{result.Container}' of pod '{name}' in namespace '{ns}'",
                    name);
                WriteError(ToErrorRecord(error));
                return 1;
            }
        }
        else if (outcome.Status == BulkItemStatus.Failed)
        {
            var error = outcome.Error as KubeEngineException
                        ?? new KubeEngineException("ExecFailed", KubeErrorCategory.NotSpecified,
                            $"pod '{name}' in namespace '{ns}': {outcome.Error?.Message}", name, outcome.Error);
            WriteError(ToErrorRecord(error));
        }

        return 0;
    }

    private void AppendStdin(object? value)
    {
        object? item = value is PSObject wrapped ? wrapped.BaseObject : value;
        if (item is null)
        {
            return;
        }

        if (item is System.Collections.IEnumerable sequence and not string)
        {
            foreach (object? element in sequence)
            {
                AppendStdin(element);
            }

            return;
        }

        // Each object becomes one line, as PowerShell pipes text into a native command.
        _stdin.Append(LanguagePrimitives.ConvertTo<string>(item)).Append('\n');
    }
}
