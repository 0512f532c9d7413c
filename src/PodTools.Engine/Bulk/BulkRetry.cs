using Polly;
using Polly.Retry;

namespace PodTools.Engine.Bulk;

/// <summary>Builds the per-item retry pipeline: transient errors only, Retry-After first, else jittered exponential backoff.</summary>
internal static class BulkRetry
{
    public static ResiliencePipeline Create(BulkOptions options)
    {
        if (options.MaxAttempts == 1)
        {
            return ResiliencePipeline.Empty;
        }

        var timeProvider = options.TimeProvider;
        var maxDelay = options.MaxDelay;
        return new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = maxDelay,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } error && TransientErrors.IsTransient(error)),
                // The server's Retry-After wins over our backoff; Polly does not apply MaxDelay to a generated
                // delay, so cap it here. Null falls back to Polly's backoff.
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } error && TransientErrors.RetryAfter(error, timeProvider.GetUtcNow()) is { } wait
                        ? (TimeSpan?)(wait < maxDelay ? wait : maxDelay)
                        : null),
            })
            .Build();
    }
}
