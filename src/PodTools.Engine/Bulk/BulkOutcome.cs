namespace PodTools.Engine.Bulk;

/// <summary>What became of one input item.</summary>
public enum BulkItemStatus
{
    /// <summary>The operation returned a result.</summary>
    Succeeded,

    /// <summary>The operation failed for good (a final error, or transient errors until the attempts ran out).</summary>
    Failed,

    /// <summary>The operation had started when the run was cancelled, and was interrupted.</summary>
    Cancelled,

    /// <summary>The item was read from the input, but the run was cancelled before its operation started.</summary>
    NotStarted,
}

/// <summary>
/// The outcome of one input item. Outcomes arrive in completion order, not input order; <see cref="Index"/>
/// is the item's position in the input for callers that need to correlate or sort.
/// </summary>
public sealed class BulkOutcome<TItem, TResult>
{
    internal BulkOutcome(TItem item, long index, BulkItemStatus status, TResult? result, Exception? error,
        int attempts, BulkProgress progress)
    {
        Item = item;
        Index = index;
        Status = status;
        Result = result;
        Error = error;
        Attempts = attempts;
        Progress = progress;
    }

    public TItem Item { get; }

    /// <summary>Zero-based position of the item in the input sequence.</summary>
    public long Index { get; }

    public BulkItemStatus Status { get; }

    public bool Succeeded => Status == BulkItemStatus.Succeeded;

    /// <summary>The operation's result when <see cref="Status"/> is Succeeded.</summary>
    public TResult? Result { get; }

    /// <summary>
    /// The last error for Failed; the OperationCanceledException for Cancelled and NotStarted.
    /// </summary>
    public Exception? Error { get; }

    /// <summary>
    /// Times the operation was invoked for this item (0 when not started). A create or delete that needed
    /// more than one attempt may have taken effect on an earlier one whose answer was lost, so its final
    /// 409 AlreadyExists or 404 NotFound can mean success.
    /// </summary>
    public int Attempts { get; }

    /// <summary>The run's progress right after this outcome was counted.</summary>
    public BulkProgress Progress { get; }
}
