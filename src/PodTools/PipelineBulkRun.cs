using System.Management.Automation;
using System.Threading.Channels;
using PodTools.Engine.Bulk;
using PodTools.Engine.Connection;

namespace PodTools;

/// <summary>
/// One bulk run as a cmdlet drives it from the pipeline thread: items go in while input still arrives (the run
/// starts with the first), outcomes and the engine's host messages come back to be written on the pipeline
/// thread, progress is throttled, and Ctrl+C leaves a report of how far the run got. The cmdlet only says what to
/// write for each outcome and how to word its summary.
/// </summary>
/// <remarks>
/// Progress reads "N of M pods done, F failed, R/s"; it shows a percentage only once the input has ended (before
/// that M is just what has arrived so far), its final counts are always shown, and one Completed record ends it.
/// </remarks>
internal sealed class PipelineBulkRun<TItem, TResult>
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    // In-flight requests are cancelled with the token; the stop report waits this long for them to account for themselves.
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(2);

    private readonly KubeconfigCmdlet _cmdlet;
    private readonly string _itemKind;
    private readonly Func<Func<TItem, CancellationToken, Task<TResult>>> _createOperation;
    private readonly BulkOptions _options;
    private readonly Action<BulkOutcome<TItem, TResult>> _writeOutcome;
    private readonly QueuedEngineHost _host = new();
    private Channel<TItem>? _input;
    private BulkRun<TItem, TResult>? _run;
    private BulkProgress? _unshownProgress;
    private DateTime _lastProgress;
    private bool _progressShown;
    private bool _inputEnded;
    private bool _stopReported;

    /// <param name="cmdlet">The cmdlet that writes; its CancelToken cancels the run and its Dispose reports a stop.</param>
    /// <param name="itemKind">What the items are, singular ("pod", "node"), for progress and the stop report.</param>
    /// <param name="createOperation">Called once, on the first item (the connection is ready by then).</param>
    /// <param name="options">Throttle limit and retries.</param>
    /// <param name="writeOutcome">Writes what one outcome means to the user; called on the pipeline thread.</param>
    public PipelineBulkRun(KubeconfigCmdlet cmdlet, string itemKind, Func<Func<TItem, CancellationToken, Task<TResult>>> createOperation,
        BulkOptions options, Action<BulkOutcome<TItem, TResult>> writeOutcome)
    {
        _cmdlet = cmdlet;
        _itemKind = itemKind;
        _createOperation = createOperation;
        _options = options;
        _writeOutcome = writeOutcome;
        cmdlet.OnStopped(ReportStop);
    }

    /// <summary>Items handed to the run so far.</summary>
    public int Submitted { get; private set; }

    /// <summary>False to hold progress back (a single quick item); the final counts are shown once it turns true.</summary>
    public bool ShowProgress { get; set; } = true;

    /// <summary>The cmdlet's own counts for the stop report, e.g. "2 refused, 5 already as requested".</summary>
    public Func<string>? StopDetails { get; init; }

    private CancellationToken Cancellation => _cmdlet.CancelToken;

    private string Activity => _cmdlet.MyInvocation.MyCommand.Name;

    private int ActivityId => _cmdlet.GetHashCode() & 0x7fffffff;

    /// <summary>Hands one item to the run, starting it on the first.</summary>
    public void Submit(TItem item)
    {
        if (_run is null)
        {
            Start();
        }

        Submitted++;
        _input!.Writer.TryWrite(item);
    }

    /// <summary>
    /// Runs background work that feeds this run (a list read page by page) where its engine messages are
    /// written like the run's own.
    /// </summary>
    public Task RunInBackground(Func<Task> work)
    {
        using (EngineHostScope.Enter(_host))
        {
            return Task.Run(work, Cancellation);
        }
    }

    /// <summary>Writes the host messages and outcomes that are ready, without blocking.</summary>
    public void WriteReady()
    {
        WriteHostMessages();
        if (_run is null)
        {
            return;
        }

        while (_run.Outcomes.TryRead(out var outcome))
        {
            _writeOutcome(outcome);
            WriteProgress(outcome.Progress);
            WriteHostMessages();
        }
    }

    /// <summary>
    /// Blocks until an outcome or host message is ready, or <paramref name="alsoWakeOn"/> completes, then writes
    /// what is ready. Ctrl+C ends the wait with PipelineStoppedException.
    /// </summary>
    public void WaitAndWriteReady(Task? alsoWakeOn = null)
    {
        // Cancelled once the wait is over, so the waits that did not fire leave no waiter behind in the channels.
        using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(Cancellation))
        {
            var waits = new List<Task>(3) { _host.WaitToReadAsync(waiting.Token) };
            // Even when the outcomes look complete: checked here, a run that completes between the caller's check
            // and this one would leave nothing to wake the wait. A completed channel answers at once.
            if (_run is not null)
            {
                waits.Add(_run.Outcomes.WaitToReadAsync(waiting.Token).AsTask());
            }

            if (alsoWakeOn is not null)
            {
                waits.Add(alsoWakeOn);
            }

            try
            {
                Task.WaitAny([.. waits], Cancellation);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: reported below.
            }
            finally
            {
                waiting.Cancel();
            }
        }

        ThrowIfStopped();
        WriteReady();
    }

    /// <summary>
    /// Ends the input and writes every remaining outcome as it arrives, then the final progress. Returns the
    /// run's summary (null when no item was submitted); Ctrl+C ends it with PipelineStoppedException.
    /// </summary>
    public BulkSummary? Complete()
    {
        _inputEnded = true;
        BulkSummary? summary = null;
        if (_run is not null)
        {
            _input!.Writer.TryComplete();
            WriteReady();
            while (!_run.Outcomes.Completion.IsCompleted)
            {
                WaitAndWriteReady();
            }

            summary = _run.Completion.GetAwaiter().GetResult();
        }

        // Background work (a list) may have spoken after the last outcome.
        WriteHostMessages();
        ThrowIfStopped();
        if (ShowProgress && _unshownProgress is { } last)
        {
            WriteProgressRecord(last);
        }

        if (_progressShown)
        {
            _cmdlet.WriteProgress(new ProgressRecord(ActivityId, Activity, "Done") { RecordType = ProgressRecordType.Completed });
        }

        return summary;
    }

    private void Start()
    {
        var operation = _createOperation();
        _input = Channel.CreateUnbounded<TItem>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using (EngineHostScope.Enter(_host))
        {
            // The run starts its workers with Task.Run, which captures this scope: what the engine says inside an
            // item (an exec plugin refreshing a token) queues here instead of being lost.
            _run = BulkRunner.Start(_input.Reader.ReadAllAsync(), operation, _options, total: null, Cancellation);
        }
    }

    private void WriteHostMessages()
    {
        while (_host.TryRead(out var message))
        {
            _cmdlet.WriteHostMessage(message.Kind, message.Text);
        }
    }

    private void WriteProgress(BulkProgress progress)
    {
        var now = DateTime.UtcNow;
        if (!ShowProgress || now - _lastProgress < ProgressInterval)
        {
            _unshownProgress = progress;
            return;
        }

        _lastProgress = now;
        WriteProgressRecord(progress);
    }

    private void WriteProgressRecord(BulkProgress progress)
    {
        _unshownProgress = null;
        _progressShown = true;
        _cmdlet.WriteProgress(new ProgressRecord(ActivityId, Activity,
            $"{progress.Done} of {Submitted} {_itemKind}s done, {progress.Failed} failed, {progress.RatePerSecond:0.0}/s")
        {
            PercentComplete = _inputEnded && Submitted > 0 ? (int)Math.Min(100, progress.Done * 100L / Submitted) : -1,
        });
    }

    private void ThrowIfStopped()
    {
        if (Cancellation.IsCancellationRequested)
        {
            ReportStop();
            throw new PipelineStoppedException();
        }
    }

    /// <summary>After Ctrl+C: how much was done. The pipeline refuses writes once stopping, so this goes to the host.</summary>
    private void ReportStop()
    {
        if (_stopReported || !Cancellation.IsCancellationRequested)
        {
            return;
        }

        _stopReported = true;
        string done;
        if (_run is null)
        {
            done = $"no {_itemKind} was started";
        }
        else
        {
            _input!.Writer.TryComplete();
            if (_run.Completion.Wait(StopGrace))
            {
                var summary = _run.Completion.Result;
                int notStarted = Submitted - summary.Consumed + summary.NotStarted;
                done = $"{summary.Succeeded} of {Submitted} {_itemKind}s done ({summary.Failed} failed); " +
                       $"{summary.Cancelled} interrupted, {notStarted} not started";
            }
            else
            {
                var progress = _run.Progress;
                done = $"{progress.Done} of {Submitted} {_itemKind}s ended ({progress.Failed} failed), the rest were still stopping";
            }
        }

        string details = StopDetails?.Invoke() is { Length: > 0 } text ? "; " + text : "";
        try
        {
            _cmdlet.Host?.UI?.WriteWarningLine($"{Activity} stopped: {done}{details}.");
        }
        catch (Exception)
        {
            // A host without a UI: nothing more can be said.
        }
    }

    /// <summary>
    /// The engine host of the run's workers: they only enqueue (never blocking on the pipeline), and the pipeline
    /// thread writes the messages together with the outcomes.
    /// </summary>
    private sealed class QueuedEngineHost : IEngineHost
    {
        private readonly Channel<(PipelineQueue.Kind Kind, string Text)> _messages = Channel.CreateUnbounded<(PipelineQueue.Kind, string)>();

        public void WriteWarning(string message) => _messages.Writer.TryWrite((PipelineQueue.Kind.Warning, message));

        public void WriteVerbose(string message) => _messages.Writer.TryWrite((PipelineQueue.Kind.Verbose, message));

        public void WriteDebug(string message) => _messages.Writer.TryWrite((PipelineQueue.Kind.Debug, message));

        public bool TryRead(out (PipelineQueue.Kind Kind, string Text) message) => _messages.Reader.TryRead(out message);

        public Task WaitToReadAsync(CancellationToken cancellationToken) => _messages.Reader.WaitToReadAsync(cancellationToken).AsTask();
    }
}
