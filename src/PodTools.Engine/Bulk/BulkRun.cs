using System.Threading.Channels;
using Polly;

namespace PodTools.Engine.Bulk;

/// <summary>
/// One running bulk operation. Outcomes stream through <see cref="Outcomes"/> in completion order (an item
/// that finishes first is reported first; nothing is held back to restore input order), and the channel
/// completes once every item read from the input has its outcome. Cancelling the token passed to
/// <see cref="BulkRunner"/> starts no further item and cancels the ones in flight; they still get an outcome.
/// </summary>
public sealed class BulkRun<TItem, TResult>
{
    private readonly Func<TItem, CancellationToken, Task<TResult>> _operation;
    private readonly ResiliencePipeline _retry;
    private readonly TimeProvider _time;
    private readonly int _throttleLimit;
    private readonly CancellationToken _cancellation;
    private readonly SemaphoreSlim _slots;
    // Unbounded: a worker never waits for the pipeline thread; outcomes are small next to the requests behind them.
    private readonly Channel<BulkOutcome<TItem, TResult>> _outcomes = Channel.CreateUnbounded<BulkOutcome<TItem, TResult>>();
    private readonly long _startTimestamp;

    // Counters change under _gate together with the write of the outcome, so the snapshots in the channel
    // never go backwards.
    private readonly object _gate = new();
    private int? _total;
    private int _consumed;
    private int _started;
    private int _succeeded;
    private int _failed;
    private int _cancelled;
    private int _notStarted;
    private int _retries;

    internal BulkRun(IAsyncEnumerable<TItem> items, Func<TItem, CancellationToken, Task<TResult>> operation,
        BulkOptions options, int? total, CancellationToken cancellationToken)
    {
        _operation = operation;
        _retry = BulkRetry.Create(options);
        _time = options.TimeProvider;
        _throttleLimit = options.ThrottleLimit;
        _slots = new SemaphoreSlim(options.ThrottleLimit, options.ThrottleLimit);
        _cancellation = cancellationToken;
        _total = total;
        _startTimestamp = _time.GetTimestamp();
        // Task.Run: a synchronous input sequence must not run on the caller's (pipeline) thread.
        Completion = Task.Run(() => RunAsync(items));
    }

    /// <summary>Outcomes in completion order; completes when the run has ended.</summary>
    public ChannelReader<BulkOutcome<TItem, TResult>> Outcomes => _outcomes.Reader;

    /// <summary>Completes with the summary after the last outcome was written; never faults.</summary>
    public Task<BulkSummary> Completion { get; }

    /// <summary>Progress right now.</summary>
    public BulkProgress Progress
    {
        get
        {
            lock (_gate)
            {
                return Snapshot();
            }
        }
    }

    /// <summary>
    /// Blocks the calling thread (a cmdlet's pipeline thread) and yields each outcome as it arrives, until
    /// the run has ended. Use <c>Outcomes.TryRead</c> to take only what is ready without blocking.
    /// </summary>
    public IEnumerable<BulkOutcome<TItem, TResult>> WaitForOutcomes()
    {
        while (_outcomes.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (_outcomes.Reader.TryRead(out var outcome))
            {
                yield return outcome;
            }
        }
    }

    private async Task<BulkSummary> RunAsync(IAsyncEnumerable<TItem> items)
    {
        Exception? sourceError = null;
        bool inputEnded = false;
        IAsyncEnumerator<TItem>? input = null;
        try
        {
            input = items.GetAsyncEnumerator(_cancellation);
            while (!_cancellation.IsCancellationRequested)
            {
                // Take a slot before reading the next item: the input is read no faster than items can start,
                // so a cancelled run leaves the rest of the input unread instead of piling up not-started items.
                await _slots.WaitAsync(_cancellation).ConfigureAwait(false);
                if (_cancellation.IsCancellationRequested)
                {
                    // A slot freed by a cancelled item can win the race against the cancelled wait.
                    _slots.Release();
                    break;
                }

                bool hasItem;
                try
                {
                    hasItem = await input.MoveNextAsync().ConfigureAwait(false);
                }
                catch
                {
                    _slots.Release();
                    throw;
                }

                if (!hasItem)
                {
                    _slots.Release();
                    inputEnded = true;
                    break;
                }

                long index;
                lock (_gate)
                {
                    index = _consumed++;
                }

                var item = input.Current;
                // On the thread pool, so an operation's synchronous prelude does not hold up the reading loop.
                _ = Task.Run(() => RunItemAsync(item, index));
            }
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            // Stop reading; what was read is accounted for below.
        }
        catch (Exception error)
        {
            sourceError = error;
        }

        if (input is not null)
        {
            try
            {
                await input.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception error) when (sourceError is null && error is not OperationCanceledException)
            {
                sourceError = error;
            }
        }

        // Every slot back means every started item has written its outcome.
        for (int i = 0; i < _throttleLimit; i++)
        {
            await _slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        BulkSummary summary;
        lock (_gate)
        {
            if (inputEnded)
            {
                _total = _consumed;
            }

            summary = new BulkSummary(_succeeded, _failed, _cancelled, _notStarted, _retries, _time.GetElapsedTime(_startTimestamp))
            {
                Total = _total,
                WasCancelled = _cancellation.IsCancellationRequested,
                SourceError = sourceError,
            };
        }

        _outcomes.Writer.TryComplete();
        return summary;
    }

    private async Task RunItemAsync(TItem item, long index)
    {
        int attempts = 0;
        DateTimeOffset firstStartedAt = default;
        try
        {
            if (_cancellation.IsCancellationRequested)
            {
                Report(item, index, BulkItemStatus.NotStarted, default, new OperationCanceledException(_cancellation), 0);
                return;
            }

            var result = await _retry.ExecuteAsync(async token =>
            {
                int attempt = Interlocked.Increment(ref attempts);
                if (attempt == 1)
                {
                    firstStartedAt = _time.GetUtcNow();
                    lock (_gate)
                    {
                        _started++;
                    }
                }

                BulkAttempt.Enter(new BulkAttempt(attempt, firstStartedAt));
                return await _operation(item, token).ConfigureAwait(false);
            }, _cancellation).ConfigureAwait(false);
            Report(item, index, BulkItemStatus.Succeeded, result, null, attempts);
        }
        catch (OperationCanceledException cancelled) when (_cancellation.IsCancellationRequested)
        {
            var status = Volatile.Read(ref attempts) == 0 ? BulkItemStatus.NotStarted : BulkItemStatus.Cancelled;
            Report(item, index, status, default, cancelled, attempts);
        }
        catch (Exception error)
        {
            Report(item, index, BulkItemStatus.Failed, default, error, attempts);
        }
        finally
        {
            _slots.Release();
        }
    }

    private void Report(TItem item, long index, BulkItemStatus status, TResult? result, Exception? error, int attempts)
    {
        lock (_gate)
        {
            switch (status)
            {
                case BulkItemStatus.Succeeded: _succeeded++; break;
                case BulkItemStatus.Failed: _failed++; break;
                case BulkItemStatus.Cancelled: _cancelled++; break;
                case BulkItemStatus.NotStarted: _notStarted++; break;
            }

            if (attempts > 1)
            {
                _retries += attempts - 1;
            }

            _outcomes.Writer.TryWrite(new BulkOutcome<TItem, TResult>(item, index, status, result, error, attempts, Snapshot()));
        }
    }

    private BulkProgress Snapshot() =>
        new(_succeeded + _failed + _cancelled + _notStarted, _failed, _total, _started, _time.GetElapsedTime(_startTimestamp));
}
