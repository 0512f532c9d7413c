using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using k8s.Autorest;
using PodTools.Engine.Bulk;

namespace PodTools.Engine.Tests.Bulk;

public class BulkRunnerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private static BulkOptions Options(InstantTimeProvider? time = null, int throttleLimit = 16, int maxAttempts = 5) => new()
    {
        ThrottleLimit = throttleLimit,
        MaxAttempts = maxAttempts,
        TimeProvider = time ?? new InstantTimeProvider(),
    };

    private static async Task<List<BulkOutcome<TItem, TResult>>> DrainAsync<TItem, TResult>(BulkRun<TItem, TResult> run)
    {
        var outcomes = new List<BulkOutcome<TItem, TResult>>();
        await foreach (var outcome in run.Outcomes.ReadAllAsync().WithCancellation(new CancellationTokenSource(Patience).Token))
        {
            outcomes.Add(outcome);
        }

        return outcomes;
    }

    [Fact]
    public async Task Never_runs_more_operations_at_once_than_the_throttle_limit()
    {
        int inFlight = 0, maxInFlight = 0;
        var run = BulkRunner.Start(Enumerable.Range(0, 60), async (int i, CancellationToken ct) =>
        {
            int now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            await Task.Delay(2, ct);
            Interlocked.Decrement(ref inFlight);
            return i;
        }, Options(throttleLimit: 4));

        var outcomes = await DrainAsync(run);
        var summary = await run.Completion;

        Assert.Equal(60, outcomes.Count);
        Assert.Equal(4, maxInFlight);
        Assert.Equal(60, summary.Succeeded);
        Assert.Equal(Enumerable.Range(0, 60), outcomes.Select(o => o.Result).Order());
    }

    [Fact]
    public async Task Streams_outcomes_while_the_input_is_still_open()
    {
        var moreInput = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async IAsyncEnumerable<string> Pods()
        {
            yield return "a";
            yield return "b";
            await moreInput.Task;
            yield return "c";
        }

        var run = BulkRunner.Start(Pods(), (string name, CancellationToken _) => Task.FromResult(name.ToUpperInvariant()), Options());
        var early = new List<string?>();
        for (int i = 0; i < 2; i++)
        {
            early.Add((await run.Outcomes.ReadAsync(new CancellationTokenSource(Patience).Token)).Result);
        }

        Assert.False(run.Completion.IsCompleted);
        Assert.Equal(new[] { "A", "B" }, early.Order());
        Assert.Null(run.Progress.Total);

        moreInput.SetResult();
        var rest = await DrainAsync(run);

        Assert.Equal("C", Assert.Single(rest).Result);
        Assert.Equal(3, (await run.Completion).Total);
    }

    [Fact]
    public async Task Reports_outcomes_in_completion_order_with_the_input_position()
    {
        var releaseFirst = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = BulkRunner.Start(new[] { "slow", "fast" },
            (string name, CancellationToken _) => name == "slow" ? releaseFirst.Task : Task.FromResult(name), Options());

        var first = await run.Outcomes.ReadAsync(new CancellationTokenSource(Patience).Token);
        releaseFirst.SetResult("slow");
        var second = Assert.Single(await DrainAsync(run));

        Assert.Equal(("fast", 1L), (first.Item, first.Index));
        Assert.Equal(("slow", 0L), (second.Item, second.Index));
    }

    [Fact]
    public async Task Progress_counts_up_to_a_known_total()
    {
        var run = BulkRunner.Start(Enumerable.Range(0, 10).ToList(), async (int i, CancellationToken _) =>
        {
            await Task.Yield();
            if (i == 3)
            {
                throw ApiErrors.Status(404);
            }

            return i;
        }, Options(throttleLimit: 3));

        var outcomes = await DrainAsync(run);

        Assert.Equal(Enumerable.Range(1, 10), outcomes.Select(o => o.Progress.Done));
        Assert.All(outcomes, o => Assert.Equal(10, o.Progress.Total));
        Assert.Equal(100, outcomes[^1].Progress.PercentComplete);
        Assert.Equal(1, outcomes[^1].Progress.Failed);
        Assert.Equal(10, outcomes[^1].Progress.Started);
    }

    [Fact]
    public async Task Waits_the_retry_after_the_server_asked_for_on_429()
    {
        var time = new InstantTimeProvider();
        int calls = 0;
        var run = BulkRunner.Start(new[] { "pod" }, (string _, CancellationToken _) =>
            Interlocked.Increment(ref calls) switch
            {
                1 => throw ApiErrors.Status(429, retryAfter: "7"),
                2 => throw ApiErrors.Status(429, retryAfter: "Sat, 28 Nov 2026 12:00:10 GMT"),
                _ => Task.FromResult("patched"),
            }, Options(time));

        var outcome = Assert.Single(await DrainAsync(run));

        Assert.Equal(BulkItemStatus.Succeeded, outcome.Status);
        Assert.Equal(3, outcome.Attempts);
        // The date is read against the clock after the first 7 s wait: 12:00:07, so 3 s more.
        Assert.Equal(new[] { TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(3) }, time.RequestedDelays);
        Assert.Equal(2, (await run.Completion).Retries);
    }

    [Fact]
    public async Task Caps_a_long_retry_after_at_the_maximum_delay()
    {
        var time = new InstantTimeProvider();
        int calls = 0;
        var options = Options(time);
        options.MaxDelay = TimeSpan.FromSeconds(30);
        var run = BulkRunner.Start(new[] { "pod" }, (string _, CancellationToken _) =>
            Interlocked.Increment(ref calls) == 1 ? throw ApiErrors.Status(429, retryAfter: "3600") : Task.FromResult(1), options);

        Assert.True(Assert.Single(await DrainAsync(run)).Succeeded);
        Assert.Equal(TimeSpan.FromSeconds(30), Assert.Single(time.RequestedDelays));
    }

    [Fact]
    public async Task Retries_server_errors_and_connection_resets_with_growing_capped_backoff_until_success()
    {
        var time = new InstantTimeProvider();
        var failures = new Exception[]
        {
            ApiErrors.Status(500),
            ApiErrors.Status(503),
            new HttpRequestException("Error while copying content", new IOException("reset", new SocketException((int)SocketError.ConnectionReset))),
            new IOException("The response ended prematurely."),
        };
        int calls = 0;
        var options = Options(time);
        options.BaseDelay = TimeSpan.FromSeconds(1);
        options.MaxDelay = TimeSpan.FromSeconds(5);
        var run = BulkRunner.Start(new[] { "pod" }, (string _, CancellationToken _) =>
        {
            int call = Interlocked.Increment(ref calls);
            return call <= failures.Length ? throw failures[call - 1] : Task.FromResult("patched");
        }, options);

        var outcome = Assert.Single(await DrainAsync(run));

        Assert.Equal(BulkItemStatus.Succeeded, outcome.Status);
        Assert.Equal("patched", outcome.Result);
        Assert.Equal(5, outcome.Attempts);
        Assert.Equal(4, time.RequestedDelays.Count);
        Assert.All(time.RequestedDelays, d => Assert.InRange(d, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(5)));
        Assert.Equal(4, (await run.Completion).Retries);
    }

    [Theory]
    [InlineData(404)]
    [InlineData(409)]
    [InlineData(422)]
    [InlineData(403)]
    [InlineData(401)]
    public async Task Does_not_retry_a_final_answer(int code)
    {
        var time = new InstantTimeProvider();
        var error = ApiErrors.Status(code);
        var run = BulkRunner.Start(new[] { "pod" }, (string _, CancellationToken _) => Task.FromException<int>(error), Options(time));

        var outcome = Assert.Single(await DrainAsync(run));

        Assert.Equal(BulkItemStatus.Failed, outcome.Status);
        Assert.Same(error, outcome.Error);
        Assert.Equal(1, outcome.Attempts);
        Assert.Empty(time.RequestedDelays);
        Assert.Equal(0, (await run.Completion).Retries);
    }

    [Fact]
    public async Task Fails_the_item_with_the_last_error_once_the_attempts_run_out()
    {
        var run = BulkRunner.Start(new[] { "pod" },
            (string _, CancellationToken _) => Task.FromException<int>(ApiErrors.Status(503)), Options(maxAttempts: 3));

        var outcome = Assert.Single(await DrainAsync(run));
        var summary = await run.Completion;

        Assert.Equal(BulkItemStatus.Failed, outcome.Status);
        Assert.Equal(503, (int)Assert.IsType<HttpOperationException>(outcome.Error).Response.StatusCode);
        Assert.Equal(3, outcome.Attempts);
        Assert.Equal((0, 1, 2), (summary.Succeeded, summary.Failed, summary.Retries));
    }

    [Fact]
    public async Task One_failing_item_does_not_stop_the_others()
    {
        var run = BulkRunner.Start(Enumerable.Range(0, 20), (int i, CancellationToken _) =>
            i == 7 ? Task.FromException<int>(ApiErrors.Status(404)) : Task.FromResult(i), Options(throttleLimit: 3));

        var outcomes = await DrainAsync(run);
        var summary = await run.Completion;

        Assert.Equal(7, Assert.Single(outcomes, o => !o.Succeeded).Item);
        Assert.Equal((19, 1, 20), (summary.Succeeded, summary.Failed, summary.Consumed));
    }

    [Fact]
    public async Task Cancelling_mid_run_starts_nothing_new_and_accounts_for_every_item_read()
    {
        using var cts = new CancellationTokenSource();
        var blockedStarted = 0;
        var fourBlocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var startedItems = new ConcurrentBag<int>();
        bool startedAfterCancel = false;
        int read = 0;
        IEnumerable<int> Input()
        {
            for (int i = 0; i < 50; i++)
            {
                Interlocked.Increment(ref read);
                yield return i;
            }
        }

        var run = BulkRunner.Start(Input(), async (int i, CancellationToken ct) =>
        {
            startedAfterCancel |= cts.IsCancellationRequested;
            startedItems.Add(i);
            if (i == 3)
            {
                throw ApiErrors.Status(404);
            }

            if (i >= 10)
            {
                if (Interlocked.Increment(ref blockedStarted) == 4)
                {
                    fourBlocked.SetResult();
                }

                await Task.Delay(Timeout.Infinite, ct);
            }

            return i;
        }, Options(throttleLimit: 4), cts.Token);

        await fourBlocked.Task.WaitAsync(Patience);
        cts.Cancel();
        var outcomes = await DrainAsync(run);
        var summary = await run.Completion;

        Assert.False(startedAfterCancel);
        Assert.Equal((9, 1, 4, 0), (summary.Succeeded, summary.Failed, summary.Cancelled, summary.NotStarted));
        Assert.Equal(14, summary.Consumed);
        Assert.Equal(read, summary.Consumed);
        Assert.True(summary.WasCancelled);
        Assert.Null(summary.Total);
        Assert.Equal(Enumerable.Range(0, 14), outcomes.Select(o => o.Item).Order());
        Assert.Equal(Enumerable.Range(10, 4), outcomes.Where(o => o.Status == BulkItemStatus.Cancelled).Select(o => o.Item).Order());
        Assert.All(outcomes.Where(o => o.Status == BulkItemStatus.Cancelled), o => Assert.IsAssignableFrom<OperationCanceledException>(o.Error));
        Assert.Equal(startedItems.Order(), outcomes.Select(o => o.Item).Order());
    }

    [Fact]
    public async Task Summary_of_a_cancelled_run_over_a_collection_tells_how_many_were_never_read()
    {
        using var cts = new CancellationTokenSource();
        var pods = Enumerable.Range(0, 100).ToList();
        int started = 0;
        var run = BulkRunner.Start(pods, async (int i, CancellationToken ct) =>
        {
            if (Interlocked.Increment(ref started) == 2)
            {
                cts.Cancel();
            }

            await Task.Delay(Timeout.Infinite, ct);
            return i;
        }, Options(throttleLimit: 2), cts.Token);

        await DrainAsync(run);
        var summary = await run.Completion;

        Assert.Equal((0, 0, 2, 2, 100), (summary.Succeeded, summary.Failed, summary.Cancelled, summary.Consumed, summary.Total));
        Assert.Contains("98 not read", summary.ToString());
    }

    [Fact]
    public async Task An_item_read_after_cancellation_is_reported_as_not_started()
    {
        using var cts = new CancellationTokenSource();
        IEnumerable<int> Input()
        {
            yield return 0;
            cts.Cancel(); // the caller cancels while the next item is being handed over
            yield return 1;
            yield return 2;
        }

        int calls = 0;
        var run = BulkRunner.Start(Input(), (int i, CancellationToken _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult(i);
        }, Options(throttleLimit: 1), cts.Token);

        var outcomes = await DrainAsync(run);
        var summary = await run.Completion;

        Assert.Equal(1, calls);
        Assert.Equal(BulkItemStatus.NotStarted, outcomes.Single(o => o.Item == 1).Status);
        Assert.Equal(0, outcomes.Single(o => o.Item == 1).Attempts);
        Assert.Equal((1, 0, 0, 1, 2), (summary.Succeeded, summary.Failed, summary.Cancelled, summary.NotStarted, summary.Consumed));
    }

    [Fact]
    public async Task Cancelling_during_a_backoff_wait_cancels_the_item()
    {
        using var cts = new CancellationTokenSource();
        var options = new BulkOptions { BaseDelay = TimeSpan.FromMinutes(1), MaxDelay = TimeSpan.FromMinutes(1) }; // real clock: the wait is long
        int calls = 0;
        var run = BulkRunner.Start(new[] { "pod" }, (string _, CancellationToken _) =>
        {
            Interlocked.Increment(ref calls);
            cts.CancelAfter(50);
            return Task.FromException<int>(ApiErrors.Status(503));
        }, options, cts.Token);

        var outcome = Assert.Single(await DrainAsync(run));

        Assert.Equal(BulkItemStatus.Cancelled, outcome.Status);
        Assert.Equal(1, outcome.Attempts);
        Assert.Equal(1, calls);
        Assert.Equal(1, (await run.Completion).Cancelled);
    }

    [Fact]
    public async Task Counts_an_asynchronous_input_of_unknown_size_when_it_ends()
    {
        var input = Channel.CreateUnbounded<int>();
        var run = BulkRunner.Start(input.Reader.ReadAllAsync(), (int i, CancellationToken _) => Task.FromResult(i * 2), Options(throttleLimit: 2));

        for (int i = 0; i < 25; i++)
        {
            await input.Writer.WriteAsync(i);
        }

        Assert.Null(run.Progress.Total);
        input.Writer.Complete();
        var outcomes = await DrainAsync(run);
        var summary = await run.Completion;

        Assert.Equal(25, outcomes.Count);
        Assert.All(outcomes, o => Assert.Equal(o.Item * 2, o.Result));
        Assert.Equal((25, 25, 25), (summary.Succeeded, summary.Consumed, summary.Total));
    }

    [Fact]
    public async Task Takes_the_total_from_the_caller_for_an_asynchronous_input()
    {
        var run = BulkRunner.Start(Numbers(5), (int i, CancellationToken _) => Task.FromResult(i), Options(), total: 5);

        var outcomes = await DrainAsync(run);

        Assert.All(outcomes, o => Assert.Equal(5, o.Progress.Total));
    }

    [Fact]
    public async Task An_input_that_throws_ends_the_run_after_the_items_already_read()
    {
        async IAsyncEnumerable<int> Broken()
        {
            yield return 1;
            yield return 2;
            await Task.Yield();
            throw new HttpRequestException("list failed");
        }

        var run = BulkRunner.Start(Broken(), (int i, CancellationToken _) => Task.FromResult(i), Options());

        var outcomes = await DrainAsync(run);
        var summary = await run.Completion;

        Assert.Equal(2, outcomes.Count);
        Assert.Equal(2, summary.Succeeded);
        Assert.Equal("list failed", Assert.IsType<HttpRequestException>(summary.SourceError).Message);
    }

    [Fact]
    public async Task A_pipeline_thread_can_block_on_the_outcomes_as_they_arrive()
    {
        var run = BulkRunner.Start(Enumerable.Range(0, 30), async (int i, CancellationToken _) =>
        {
            await Task.Delay(1);
            return i;
        }, Options(throttleLimit: 5));

        var items = run.WaitForOutcomes().Select(o => o.Item).ToList();

        Assert.Equal(Enumerable.Range(0, 30), items.Order());
        Assert.True(run.Completion.IsCompletedSuccessfully);
        Assert.Equal(30, (await run.Completion).Succeeded);
    }

    [Fact]
    public void Refuses_a_throttle_limit_below_one()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            BulkRunner.Start(new[] { 1 }, (int i, CancellationToken _) => Task.FromResult(i), new BulkOptions { ThrottleLimit = 0 }));
    }

    [Fact]
    public async Task Max_attempts_of_one_turns_retries_off()
    {
        int calls = 0;
        var run = BulkRunner.Start(new[] { 1 }, (int _, CancellationToken _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromException<int>(ApiErrors.Status(503));
        }, Options(maxAttempts: 1));

        var outcome = Assert.Single(await DrainAsync(run));

        Assert.Equal((BulkItemStatus.Failed, 1, 1), (outcome.Status, outcome.Attempts, calls));
    }

    private static async IAsyncEnumerable<int> Numbers(int count, [EnumeratorCancellation] CancellationToken ct = default)
    {
        for (int i = 0; i < count; i++)
        {
            await Task.Yield();
            yield return i;
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
