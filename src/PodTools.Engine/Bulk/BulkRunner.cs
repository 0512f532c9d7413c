namespace PodTools.Engine.Bulk;

/// <summary>
/// Runs one operation per input item with bounded concurrency and retries of transient failures, and
/// streams each item's outcome as soon as it completes. Every bulk cmdlet (label, annotate, delete, create,
/// exec, logs) goes through here.
/// </summary>
public static class BulkRunner
{
    /// <summary>
    /// Starts the run and returns at once; read <see cref="BulkRun{TItem,TResult}.Outcomes"/> to get the
    /// outcomes in completion order. The total is known up front when <paramref name="items"/> is a collection.
    /// </summary>
    public static BulkRun<TItem, TResult> Start<TItem, TResult>(
        IEnumerable<TItem> items,
        Func<TItem, CancellationToken, Task<TResult>> operation,
        BulkOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        int? total = items.TryGetNonEnumeratedCount(out int count) ? count : null;
        return Start(ToAsync(items), operation, options, total, cancellationToken);
    }

    /// <summary>
    /// Starts the run over an asynchronous input (a paged list, a channel fed from the PowerShell pipeline)
    /// whose size may be unknown until it ends; pass <paramref name="total"/> if you know it.
    /// </summary>
    public static BulkRun<TItem, TResult> Start<TItem, TResult>(
        IAsyncEnumerable<TItem> items,
        Func<TItem, CancellationToken, Task<TResult>> operation,
        BulkOptions? options = null,
        int? total = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(operation);
        options ??= new BulkOptions();
        options.Validate();
        return new BulkRun<TItem, TResult>(items, operation, options, total, cancellationToken);
    }

#pragma warning disable CS1998 // A synchronous sequence seen through the one asynchronous code path.
    private static async IAsyncEnumerable<T> ToAsync<T>(IEnumerable<T> items)
    {
        foreach (var item in items)
        {
            yield return item;
        }
    }
#pragma warning restore CS1998
}
