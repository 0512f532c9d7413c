using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace PodTools.TestCluster.Testing;

/// <summary>One API request as the server saw it; Status 0 means the connection was reset by an injected fault.</summary>
public sealed record RequestLogEntry(
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("query")] string Query,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("accept")] string Accept = "");

/// <summary>The requests the API served, oldest first, so tests can assert what a client sent (or that it sent nothing).</summary>
public sealed class RequestLog
{
    private const int Capacity = 200_000;
    private readonly ConcurrentQueue<RequestLogEntry> _entries = new();

    public void Add(RequestLogEntry entry)
    {
        _entries.Enqueue(entry);
        while (_entries.Count > Capacity) _entries.TryDequeue(out _);
    }

    public IReadOnlyList<RequestLogEntry> Entries => _entries.ToArray();

    public void Clear() => _entries.Clear();
}
