using System.Collections.Concurrent;
using System.Diagnostics;
using PodTools.TestCluster.Testing;

namespace PodTools.TestCluster.Tests.Api;

/// <summary>The clock behind the injected round trip: never early, in due order, cancellable.</summary>
public sealed class LatencyClockTests
{
    [Fact]
    public async Task No_delay_ends_before_its_time()
    {
        var delays = Enumerable.Range(0, 64).Select(i => 1 + i % 20).ToList();

        var elapsed = await Task.WhenAll(delays.Select(async milliseconds =>
        {
            var watch = Stopwatch.StartNew();
            await LatencyClock.Shared.DelayAsync(milliseconds, CancellationToken.None);
            return watch.Elapsed.TotalMilliseconds;
        }));

        Assert.All(delays.Zip(elapsed), pair => Assert.True(pair.Second >= pair.First, $"{pair.First} ms ended after {pair.Second:0.00} ms"));
    }

    [Fact]
    public async Task A_shorter_delay_queued_later_ends_first()
    {
        var order = new ConcurrentQueue<int>();
        var waits = new[] { 300, 20, 150 }.Select(async milliseconds =>
        {
            await LatencyClock.Shared.DelayAsync(milliseconds, CancellationToken.None);
            order.Enqueue(milliseconds);
        }).ToList();

        await Task.WhenAll(waits);

        Assert.Equal([20, 150, 300], order);
    }

    [Fact]
    public async Task Cancelling_ends_the_wait_at_once()
    {
        using var cancel = new CancellationTokenSource();
        var wait = LatencyClock.Shared.DelayAsync(60_000, cancel.Token);

        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void No_latency_completes_synchronously()
    {
        Assert.True(LatencyClock.Shared.DelayAsync(0, CancellationToken.None).IsCompletedSuccessfully);
    }
}
