using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using k8s.Autorest;

namespace PodTools.Engine.Bulk;

/// <summary>
/// Decides whether a failed per-item request is worth another attempt and how long the server asked us to wait.
/// </summary>
public static class TransientErrors
{
    /// <summary>
    /// True for 429, 500, 502, 503 and 504 answers, for connection failures (refused, reset, reset mid-body)
    /// and for an HttpClient timeout. Every other answer (400, 401, 403, 404, 409, 410, 422, ...) is final,
    /// and so is a cancellation.
    /// </summary>
    public static bool IsTransient(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);

        // An answer from the server decides on its own, even when a wrapper (KubeEngineException) carries it.
        if (StatusCodeOf(error) is int code)
        {
            return IsTransientStatus(code);
        }

        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // A missing file (a manifest read inside the operation) will not appear on a second try.
                case FileNotFoundException or DirectoryNotFoundException or PathTooLongException:
                    return false;
                case HttpRequestException or IOException or SocketException:
                    return true;
                // HttpClient reports its own timeout as a TaskCanceledException around a TimeoutException;
                // a cancellation the caller asked for has no such inner exception.
                case OperationCanceledException { InnerException: TimeoutException }:
                case TimeoutException:
                    return true;
                case OperationCanceledException:
                    return false;
            }
        }

        return false;
    }

    /// <summary>True for the HTTP status codes that say "try again later".</summary>
    public static bool IsTransientStatus(int statusCode) => statusCode is 429 or 500 or 502 or 503 or 504;

    /// <summary>
    /// The wait the server asked for: the Retry-After header (delta seconds or an HTTP date, measured from
    /// <paramref name="utcNow"/>), else the retryAfterSeconds of the Status body the API server sends with 429.
    /// Null when the server did not say.
    /// </summary>
    public static TimeSpan? RetryAfter(Exception error, DateTimeOffset utcNow)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (Find<HttpOperationException>(error)?.Response is not { } response)
        {
            return null;
        }

        foreach (var header in response.Headers ?? new Dictionary<string, IEnumerable<string>>())
        {
            if (string.Equals(header.Key, "Retry-After", StringComparison.OrdinalIgnoreCase)
                && header.Value?.FirstOrDefault() is { } value
                && ParseRetryAfter(value, utcNow) is { } wait)
            {
                return wait;
            }
        }

        return RetryAfterSecondsInStatus(response.Content);
    }

    /// <summary>Parses a Retry-After value: delta seconds ("5") or an HTTP date; a date in the past means now.</summary>
    public static TimeSpan? ParseRetryAfter(string value, DateTimeOffset utcNow)
    {
        value = value.Trim();
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
        {
            return TimeSpan.FromSeconds(Math.Min(seconds, int.MaxValue));
        }

        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var date))
        {
            var wait = date - utcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private static int? StatusCodeOf(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case HttpOperationException { Response: { } response }:
                    return (int)response.StatusCode;
                case k8s.KubernetesException { Status.Code: int code }:
                    return code;
            }
        }

        return null;
    }

    private static T? Find<T>(Exception error) where T : Exception
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static TimeSpan? RetryAfterSecondsInStatus(string? content)
    {
        if (string.IsNullOrWhiteSpace(content) || content.TrimStart()[0] != '{')
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(content);
            return document.RootElement.TryGetProperty("details", out var details)
                   && details.ValueKind == JsonValueKind.Object
                   && details.TryGetProperty("retryAfterSeconds", out var seconds)
                   && seconds.TryGetInt32(out int value) && value >= 0
                ? TimeSpan.FromSeconds(value)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
