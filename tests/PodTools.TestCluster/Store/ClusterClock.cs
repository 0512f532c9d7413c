namespace PodTools.TestCluster.Store;

/// <summary>The cluster's notion of time: wall-clock timestamps, and delays shortened by TimeScale so tests run fast.</summary>
public sealed class ClusterClock
{
    public ClusterClock(double timeScale = 1)
    {
        if (!(timeScale > 0)) throw new ArgumentOutOfRangeException(nameof(timeScale), "TimeScale must be positive.");
        TimeScale = timeScale;
    }

    /// <summary>How many simulated seconds pass per real second (only delays are scaled; timestamps stay real).</summary>
    public double TimeScale { get; }

    public DateTime UtcNow => DateTime.UtcNow;

    public TimeSpan ToReal(TimeSpan simulated) => simulated / TimeScale;

    public Task Delay(TimeSpan simulated, CancellationToken cancellationToken = default) =>
        Task.Delay(ToReal(simulated), cancellationToken);

    /// <summary>metav1.Time as the API server writes it (RFC 3339, whole seconds).</summary>
    public static string FormatTime(DateTime utc) => utc.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>metav1.MicroTime as the API server writes it (RFC 3339, microseconds).</summary>
    public static string FormatMicroTime(DateTime utc) => utc.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public string Now() => FormatTime(UtcNow);
}
