using System.Net;
using System.Text.Json.Nodes;

namespace PodTools.TestCluster.Tests;

/// <summary>An open watch: reads the newline-delimited JSON events as a client library does.</summary>
public sealed class WatchStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private Task<string?>? _pendingLine;

    private WatchStream(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public HttpStatusCode Status => _response.StatusCode;

    public static async Task<WatchStream> OpenAsync(HttpClient http, string path)
    {
        var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        return new WatchStream(response, reader);
    }

    /// <summary>The next event, or null when the server ended the stream; fails after timeout.</summary>
    public async Task<JsonObject?> NextAsync(double timeoutSeconds = 10)
    {
        _pendingLine ??= _reader.ReadLineAsync();
        var finished = await Task.WhenAny(_pendingLine, Task.Delay(TimeSpan.FromSeconds(timeoutSeconds)));
        if (finished != _pendingLine) throw new TimeoutException($"No watch event within {timeoutSeconds} s.");
        var line = await _pendingLine;
        _pendingLine = null;
        return line is null ? null : (JsonObject)JsonNode.Parse(line)!;
    }

    /// <summary>Skips events until one matches; fails after timeout.</summary>
    public async Task<JsonObject> NextMatchingAsync(Func<JsonObject, bool> predicate, double timeoutSeconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var remaining = (deadline - DateTime.UtcNow).TotalSeconds;
            if (remaining <= 0) throw new TimeoutException("No matching watch event.");
            var e = await NextAsync(remaining) ?? throw new InvalidOperationException("The watch ended before a matching event.");
            if (predicate(e)) return e;
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}

public static class WatchEvents
{
    public static string Type(this JsonObject e) => (string)e["type"]!;
    public static string Name(this JsonObject e) => (string)e["object"]!["metadata"]!["name"]!;
    public static bool Is(this JsonObject e, string type, string name) => e.Type() == type && (string?)e["object"]?["metadata"]?["name"] == name;
}
