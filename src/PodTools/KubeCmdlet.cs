using System.Management.Automation;
using PodTools.Completers;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;

namespace PodTools;

/// <summary>
/// Base of every PodTools cmdlet: -Kubeconfig, the per-runspace connection cache, a cancellation token that
/// StopProcessing (Ctrl+C) cancels, a pump that runs async engine work while writing its output on the
/// pipeline thread, and engine errors turned into ErrorRecords.
/// </summary>
public abstract class KubeconfigCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private Action? _stopReports;

    /// <summary>A kubeconfig file to use instead of $env:KUBECONFIG / ~/.kube/config.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Kubeconfig { get; set; }

    /// <summary>Cancelled when the pipeline is stopped; pass it to every engine call.</summary>
    protected internal CancellationToken CancelToken => _cancel.Token;

    /// <summary>This runspace's connection cache; read it on the pipeline thread only.</summary>
    internal static ConnectionCache Connections => RunspaceState.Connections;

    /// <summary>-Kubeconfig as a file-system path (relative to the current location), or null.</summary>
    protected string? KubeconfigPath =>
        string.IsNullOrEmpty(Kubeconfig) ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(Kubeconfig);

    protected override void StopProcessing() => _cancel.Cancel();

    /// <summary>
    /// Runs <paramref name="work"/> on the thread pool and writes what it queues as it arrives, returning when
    /// the work is done. An engine error that escapes the work becomes a non-terminating error; Ctrl+C stops
    /// the pipeline within a moment even while a request is in flight.
    /// </summary>
    private protected void Pump(Func<PipelineQueue, CancellationToken, Task> work)
    {
        // Cancelled when the pipeline stops and also when this pump leaves early (a downstream error), so the
        // worker never stays blocked on a full queue.
        using var pumpCancel = CancellationTokenSource.CreateLinkedTokenSource(CancelToken);
        var token = pumpCancel.Token;
        var queue = new PipelineQueue(token);
        Task task;
        using (EngineHostScope.Enter(queue))
        {
            // Task.Run captures the execution context, so the work (and exec plugins it runs) sees this host.
            task = Task.Run(() => work(queue, token), token);
        }

        _ = task.ContinueWith(_ => queue.Complete(), TaskScheduler.Default);
        try
        {
            foreach (var (kind, item) in queue.Drain(CancelToken))
            {
                Dispatch(kind, item);
            }
        }
        catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            pumpCancel.Cancel();
        }

        if (task.IsCanceled || (task.Exception?.InnerException is OperationCanceledException && CancelToken.IsCancellationRequested))
        {
            throw new PipelineStoppedException();
        }

        if (task.Exception?.InnerException is { } failure)
        {
            if (failure is KubeEngineException engineError)
            {
                WriteError(ToErrorRecord(engineError));
                return;
            }

            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    /// <summary>Runs one async engine call to completion (pumping its host messages) and returns its result.</summary>
    private protected T Await<T>(Func<CancellationToken, Task<T>> call)
    {
        T result = default!;
        Pump(async (_, token) => result = await call(token).ConfigureAwait(false));
        return result;
    }

    /// <summary>Like <see cref="Await{T}"/>, but an engine error ends the command (unusable invocation).</summary>
    private protected T AwaitOrTerminate<T>(Func<CancellationToken, Task<T>> call)
    {
        T result = default!;
        KubeEngineException? failure = null;
        Pump(async (_, token) =>
        {
            try
            {
                result = await call(token).ConfigureAwait(false);
            }
            catch (KubeEngineException error)
            {
                failure = error;
            }
        });
        if (failure is not null)
        {
            ThrowTerminatingError(ToErrorRecord(failure));
        }

        return result;
    }

    /// <summary>Ends the command with an engine error (bad kubeconfig, unknown context, invalid selector).</summary>
    protected void ThrowEngineError(KubeEngineException error) => ThrowTerminatingError(ToErrorRecord(error));

    /// <summary>An ErrorRecord with the engine's stable id, its category, the server's message and the target.</summary>
    protected static ErrorRecord ToErrorRecord(KubeEngineException error)
    {
        var category = Enum.TryParse(error.Category.ToString(), out ErrorCategory parsed) ? parsed : ErrorCategory.NotSpecified;
        return new ErrorRecord(error, error.ErrorId, category, error.Target);
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Ctrl+C while an upstream command held the pipeline thread: the cmdlet's own code never ran again,
            // so what it wants said about the stop is said here.
            if (_cancel.IsCancellationRequested)
            {
                _stopReports?.Invoke();
            }

            _cancel.Dispose();
        }
    }

    /// <summary>Registers what to tell the host after Ctrl+C; Dispose runs it, so it must be quiet if it has spoken already.</summary>
    internal void OnStopped(Action report) => _stopReports += report;

    /// <summary>Writes an engine host message to its stream; pipeline thread only.</summary>
    internal void WriteHostMessage(PipelineQueue.Kind kind, string message)
    {
        Action<string> write = kind switch
        {
            PipelineQueue.Kind.Warning => WriteWarning,
            PipelineQueue.Kind.Verbose => WriteVerbose,
            PipelineQueue.Kind.Debug => WriteDebug,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a host message"),
        };
        write(message);
    }

    private void Dispatch(PipelineQueue.Kind kind, object item)
    {
        switch (kind)
        {
            case PipelineQueue.Kind.Object:
                WriteObject(item);
                break;
            case PipelineQueue.Kind.Objects:
                foreach (object element in (System.Collections.IEnumerable)item)
                {
                    WriteObject(element);
                }

                break;
            case PipelineQueue.Kind.Error:
                WriteError(ToErrorRecord((KubeEngineException)item));
                break;
            default:
                WriteHostMessage(kind, (string)item);
                break;
        }
    }
}

/// <summary>
/// Base of cmdlets that talk to a cluster: adds -Context and a lazily resolved <see cref="Connection"/>.
/// A subclass writes its ProcessRecord against <see cref="Connection"/> and engine services, and uses
/// <see cref="KubeconfigCmdlet.Pump"/> for async work.
/// </summary>
public abstract class KubeCmdlet : KubeconfigCmdlet
{
    private KubeConnection? _connection;

    /// <summary>The kubeconfig context to use instead of the current one.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContextCompleter))]
    public string? Context { get; set; }

    /// <summary>The client for -Context/-Kubeconfig from the runspace's cache; an unusable kubeconfig or context ends the command.</summary>
    protected KubeConnection Connection
    {
        get
        {
            if (_connection is null)
            {
                string? path = KubeconfigPath;
                string? context = Context;
                // Read on the pipeline thread: the runspace (and so its cache) is unknown on pool threads.
                var connections = Connections;
                _connection = AwaitOrTerminate(token => connections.GetConnectionAsync(path, context, token));
                WriteVerbose($"Using context '{_connection.ContextName}' ({_connection.Server}).");
            }

            return _connection;
        }
    }
}

/// <summary>A cluster cmdlet that works in a namespace: -Namespace, defaulting to the context's namespace.</summary>
public abstract class NamespacedKubeCmdlet : KubeCmdlet
{
    /// <summary>The namespace; the context's namespace (or "default") when not given.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public virtual string? Namespace { get; set; }

    /// <summary>-Namespace, or the context's default namespace.</summary>
    protected string ResolvedNamespace => string.IsNullOrEmpty(Namespace) ? Connection.DefaultNamespace : Namespace!;
}
