namespace PodTools.Engine.Bulk;

/// <summary>A snapshot of a bulk run's progress, ready for Write-Progress.</summary>
public readonly record struct BulkProgress(
    int Done,
    int Failed,
    int? Total,
    int Started,
    TimeSpan Elapsed)
{
    /// <summary>Outcomes per second since the run started.</summary>
    public double RatePerSecond => Elapsed > TimeSpan.Zero ? Done / Elapsed.TotalSeconds : 0;

    /// <summary>0-100 when the total is known, otherwise null (Write-Progress takes -1 for that).</summary>
    public int? PercentComplete => Total is > 0 and int total ? (int)Math.Min(100, Done * 100L / total) : null;
}
