using System.Collections.Concurrent;
using System.Net.Sockets;
using PodTools.Engine.Bulk;

namespace PodTools.Engine.Tests.Bulk;

public class BulkAttemptTests
{
    [Fact]
    public async Task The_operation_sees_its_attempt_number_and_the_start_of_the_first_attempt()
    {
        var time = new InstantTimeProvider();
        var seen = new ConcurrentQueue<BulkAttempt?>();
        var run = BulkRunner.Start(["a"], (string _, CancellationToken _) =>
        {
            seen.Enqueue(BulkAttempt.Current);
            return seen.Count < 3 ? throw new HttpRequestException("reset", new SocketException((int)SocketError.ConnectionReset)) : Task.FromResult(1);
        }, new BulkOptions { TimeProvider = time });

        var summary = await run.Completion;

        Assert.Equal(1, summary.Succeeded);
        Assert.Equal([1, 2, 3], seen.Select(a => a!.Number));
        Assert.Equal([false, true, true], seen.Select(a => a!.IsRetry));
        var first = seen.First()!.FirstStartedAt;
        Assert.All(seen, a => Assert.Equal(first, a!.FirstStartedAt));
        // Backoff moved the clock on, but every attempt reports when the first one began.
        Assert.True(time.GetUtcNow() > first);
    }

    [Fact]
    public async Task No_attempt_is_current_outside_an_operation()
    {
        var run = BulkRunner.Start([1, 2], async (int i, CancellationToken _) =>
        {
            await Task.Yield();
            return BulkAttempt.Current?.Number;
        }, new BulkOptions { TimeProvider = new InstantTimeProvider() });

        await run.Completion;

        Assert.Null(BulkAttempt.Current);
        var outcomes = new List<int?>();
        await foreach (var outcome in run.Outcomes.ReadAllAsync())
        {
            outcomes.Add(outcome.Result);
        }

        Assert.Equal([1, 1], outcomes);
    }
}
