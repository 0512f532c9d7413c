namespace PodTools.Engine.Bulk;

/// <summary>How a bulk run spreads its work and retries transient failures.</summary>
public sealed class BulkOptions
{
    /// <summary>Most operations in flight at once (the cmdlets' -ThrottleLimit).</summary>
    public int ThrottleLimit { get; set; } = 16;

    /// <summary>Attempts per item, the first one included; 1 turns retries off.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>First backoff delay; later ones grow exponentially, with jitter.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest single wait, for backoff and for a server's Retry-After alike.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Clock for delays and elapsed time; tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        if (ThrottleLimit < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ThrottleLimit), ThrottleLimit, "ThrottleLimit must be at least 1.");
        }

        if (MaxAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "MaxAttempts must be at least 1.");
        }

        if (BaseDelay <= TimeSpan.Zero || MaxDelay < BaseDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDelay), MaxDelay, "BaseDelay must be positive and MaxDelay at least BaseDelay.");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
