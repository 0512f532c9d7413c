using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace PodTools.TestCluster.Tests;

/// <summary>One in-process cluster shared by the API tests; each test works in its own namespace.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    /// <summary>30 simulated seconds per real second: a pod's default 30 s grace period takes about one second.</summary>
    public const double TimeScale = 30;

    public TestClusterHost Cluster { get; private set; } = null!;
    public ApiClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await TestClusterHost.StartAsync(new TestClusterOptions { TimeScale = TimeScale });
        Admin = new ApiClient(Cluster.CreateHttpClient("admin"));
    }

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        await Cluster.DisposeAsync();
    }

    public ApiClient Client(string user) => new(Cluster.CreateHttpClient(user));

    /// <summary>Creates a fresh namespace for one test.</summary>
    public async Task<string> NewNamespaceAsync(string prefix = "t")
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 9, 63)];
        var response = await Admin.SendAsync(HttpMethod.Post, "/api/v1/namespaces", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = name },
        });
        Assert.Equal(HttpStatusCode.Created, response.Status);
        return name;
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>A response: status code, headers and the parsed JSON body (null when the body is not JSON).</summary>
public sealed record ApiResponse(HttpStatusCode Status, JsonNode? Body, string Text, HttpResponseMessage Raw)
{
    public JsonObject Object => Body as JsonObject ?? throw new InvalidOperationException($"Not a JSON object ({(int)Status}): {Text}");

    /// <summary>The message of a Status body.</summary>
    public string? StatusMessage => (string?)Object["message"];
}

/// <summary>Raw HTTP against the API server, the way a client library would send it.</summary>
public sealed class ApiClient : IDisposable
{
    public ApiClient(HttpClient http) => Http = http;

    public HttpClient Http { get; }

    public Task<ApiResponse> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<ApiResponse> PostAsync(string path, JsonNode body) => SendAsync(HttpMethod.Post, path, body);

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json", string? accept = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, contentType);
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        return await ReadAsync(await Http.SendAsync(request));
    }

    public async Task<ApiResponse> SendTextAsync(HttpMethod method, string path, string body, string contentType, string? accept = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        return await ReadAsync(await Http.SendAsync(request));
    }

    private static async Task<ApiResponse> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        try
        {
            json = text.Length > 0 ? JsonNode.Parse(text) : null;
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return new ApiResponse(response.StatusCode, json, text, response);
    }

    public void Dispose() => Http.Dispose();
}

/// <summary>Objects the tests create.</summary>
public static class Manifests
{
    public static JsonObject Pod(string name, IDictionary<string, string>? labels = null, string image = "nginx:1.27", string? nodeName = null)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (labels is not null)
        {
            var labelObject = new JsonObject();
            foreach (var (key, value) in labels) labelObject[key] = value;
            metadata["labels"] = labelObject;
        }
        var spec = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = image }) };
        if (nodeName is not null) spec["nodeName"] = nodeName;
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = metadata, ["spec"] = spec };
    }

    public static Dictionary<string, string> Labels(params string[] pairs) =>
        pairs.Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    /// <summary>Waits until condition holds, polling; fails the test with message after timeout.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string message, double timeoutSeconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            await Task.Delay(50);
        }
        Assert.Fail($"Timed out: {message}");
    }
}
