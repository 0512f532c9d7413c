namespace PodTools.Engine.Bulk;

/// <summary>
/// The final count of a bulk run. Succeeded + Failed + Cancelled + NotStarted = Consumed: every item read
/// from the input has exactly one outcome.
/// </summary>
public sealed record BulkSummary(
    int Succeeded,
    int Failed,
    int Cancelled,
    int NotStarted,
    int Retries,
    TimeSpan Elapsed)
{
    /// <summary>Items read from the input.</summary>
    public int Consumed => Succeeded + Failed + Cancelled + NotStarted;

    /// <summary>
    /// Size of the input when known (a collection, a total given by the caller, or an input read to its end);
    /// larger than <see cref="Consumed"/> when a cancelled run left items unread.
    /// </summary>
    public int? Total { get; init; }

    /// <summary>The run's cancellation token was cancelled before the run ended.</summary>
    public bool WasCancelled { get; init; }

    /// <summary>The error the input sequence itself threw (e.g. a failed list), which ended the run early.</summary>
    public Exception? SourceError { get; init; }

    public override string ToString()
    {
        string text = $"{Succeeded} succeeded, {Failed} failed, {Cancelled} cancelled, {NotStarted} not started";
        if (Total is int total && total > Consumed)
        {
            text += $", {total - Consumed} not read";
        }

        return text + $" ({Retries} retries) in {Elapsed.TotalSeconds:0.0#} s" + (WasCancelled ? "; stopped by cancellation" : "");
    }
}
