namespace PodTools.Engine.Printing;

/// <summary>Formats durations exactly as apimachinery's duration.HumanDuration (kubectl's AGE column).</summary>
public static class DurationPrinter
{
    /// <summary>"0s", "90s", "5m3s", "3h", "2d3h", "400d", "3y20d"; "&lt;invalid&gt;" when more than a second in the future.</summary>
    public static string Human(TimeSpan d)
    {
        // Go truncates towards zero everywhere (int(d.Seconds()), d / time.Minute); tick division does the same.
        long seconds = d.Ticks / TimeSpan.TicksPerSecond;
        // kubectl tolerates up to one second of clock skew as "now".
        if (seconds < -1)
        {
            return "<invalid>";
        }
        if (seconds < 0)
        {
            return "0s";
        }
        if (seconds < 60 * 2)
        {
            return $"{seconds}s";
        }

        long minutes = d.Ticks / TimeSpan.TicksPerMinute;
        if (minutes < 10)
        {
            long s = seconds % 60;
            return s == 0 ? $"{minutes}m" : $"{minutes}m{s}s";
        }
        if (minutes < 60 * 3)
        {
            return $"{minutes}m";
        }

        long hours = d.Ticks / TimeSpan.TicksPerHour;
        if (hours < 8)
        {
            long m = minutes % 60;
            return m == 0 ? $"{hours}h" : $"{hours}h{m}m";
        }
        if (hours < 48)
        {
            return $"{hours}h";
        }
        if (hours < 24 * 8)
        {
            long h = hours % 24;
            return h == 0 ? $"{hours / 24}d" : $"{hours / 24}d{h}h";
        }
        if (hours < 24 * 365 * 2)
        {
            return $"{hours / 24}d";
        }
        if (hours < 24 * 365 * 8)
        {
            long dy = hours / 24 % 365;
            return dy == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{dy}d";
        }
        return $"{hours / 24 / 365}y";
    }

    /// <summary>The age of <paramref name="timestamp"/> at <paramref name="utcNow"/>, or "&lt;unknown&gt;" without a timestamp (kubectl's translateTimestampSince).</summary>
    public static string Since(DateTime? timestamp, DateTime utcNow)
    {
        if (timestamp is null || timestamp.Value == default)
        {
            return "<unknown>";
        }
        return Human(ToUtc(utcNow) - ToUtc(timestamp.Value));
    }

    // KubernetesClient hands back timestamps as UTC or Unspecified; the API always speaks UTC.
    internal static DateTime ToUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Local => value.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(value, DateTimeKind.Utc),
        _ => value,
    };
}
