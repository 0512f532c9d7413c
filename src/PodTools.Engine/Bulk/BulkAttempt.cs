namespace PodTools.Engine.Bulk;

/// <summary>
/// The attempt a bulk item's operation is running in, visible to the services it calls. A retry follows an attempt
/// that failed in transit, and the server may have carried that attempt out although its answer was lost, so a
/// service can read a 409 on a retry as the echo of its own earlier write (see MetadataEditService and PodCreator).
/// </summary>
public sealed class BulkAttempt
{
    // Ambient rather than a parameter: the operations the cmdlets hand to BulkRunner keep their signature, and the
    // value flows with the async calls of one attempt only (an async method's changes never reach its caller).
    private static readonly AsyncLocal<BulkAttempt?> Ambient = new();

    internal BulkAttempt(int number, DateTimeOffset firstStartedAt)
    {
        Number = number;
        FirstStartedAt = firstStartedAt;
    }

    /// <summary>The attempt the calling code runs in; null outside a bulk run's operation.</summary>
    public static BulkAttempt? Current => Ambient.Value;

    /// <summary>1 for the first attempt, 2 for the first retry, and so on.</summary>
    public int Number { get; }

    /// <summary>When the item's first attempt began, by the run's <see cref="BulkOptions.TimeProvider"/>.</summary>
    public DateTimeOffset FirstStartedAt { get; }

    /// <summary>True from the second attempt on: an earlier attempt of this item may have taken effect.</summary>
    public bool IsRetry => Number > 1;

    /// <summary>Makes <paramref name="attempt"/> current for the rest of the calling async method and what it calls.</summary>
    internal static void Enter(BulkAttempt attempt) => Ambient.Value = attempt;
}
