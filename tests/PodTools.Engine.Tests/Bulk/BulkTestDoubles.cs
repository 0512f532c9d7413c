using System.Collections.Concurrent;
using System.Net;
using k8s.Autorest;

namespace PodTools.Engine.Tests.Bulk;

/// <summary>
/// A clock whose timers fire at once and move virtual time forward by their due time, so backoff and
/// Retry-After waits cost no real time and every requested wait is recorded exactly.
/// </summary>
internal sealed class InstantTimeProvider : TimeProvider
{
    private long _ticks = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero).UtcTicks;

    public ConcurrentQueue<TimeSpan> RequestedDelays { get; } = new();

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            RequestedDelays.Enqueue(dueTime);
            Interlocked.Add(ref _ticks, dueTime.Ticks);
            // Queued, not inline: the caller has not finished setting up its timer yet.
            ThreadPool.QueueUserWorkItem(_ => callback(state));
        }

        return new NoTimer();
    }

    private sealed class NoTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

internal static class ApiErrors
{
    /// <summary>What KubernetesClient throws for a non-success answer.</summary>
    public static HttpOperationException Status(int code, string? retryAfter = null, string content = "")
    {
        using var response = new HttpResponseMessage((HttpStatusCode)code);
        if (retryAfter is not null)
        {
            response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        }

        return new HttpOperationException($"Operation returned an invalid status code '{(HttpStatusCode)code}'")
        {
            Response = new HttpResponseMessageWrapper(response, content),
        };
    }
}
