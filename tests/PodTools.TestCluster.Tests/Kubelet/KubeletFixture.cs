using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Security.Cryptography.X509Certificates;
using PodTools.TestCluster.Hosting;
using PodTools.TestCluster.Semantics;

namespace PodTools.TestCluster.Tests.Kubelet;

/// <summary>
/// One in-process test cluster for the kubelet endpoint tests (exec, log, portforward), reached over HTTPS and
/// WebSocket exactly as a client library reaches it. Each test works in its own namespace.
/// </summary>
public sealed class KubeletFixture : IAsyncLifetime
{
    public TestClusterHost Cluster { get; private set; } = null!;
    public ApiClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await TestClusterHost.StartAsync(new TestClusterOptions { TimeScale = 30 });
        Admin = new ApiClient(Cluster.CreateHttpClient());
    }

    public HttpClient CreateHttpClient(string user = "admin") => Cluster.CreateHttpClient(user);

    /// <summary>Opens a WebSocket to <paramref name="pathAndQuery"/> offering <paramref name="protocols"/>, as a client library does.</summary>
    public async Task<ClientWebSocket> ConnectAsync(string pathAndQuery, string[] protocols, string user = "admin")
    {
        var socket = new ClientWebSocket();
        foreach (var protocol in protocols) socket.Options.AddSubProtocol(protocol);
        socket.Options.SetRequestHeader("Authorization", "Bearer " + (user == "viewer" ? Cluster.ViewerToken : Cluster.AdminToken));
        var ca = Cluster.CaCertificate;
        socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is X509Certificate2 server && ClusterCertificates.ChainsTo(ca, server);
        var uri = new UriBuilder(new Uri(new Uri(Cluster.ServerUrl), pathAndQuery)) { Scheme = "wss" }.Uri;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await socket.ConnectAsync(uri, timeout.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return socket;
    }

    public async Task<string> NewNamespaceAsync()
    {
        var name = "kl-" + Guid.NewGuid().ToString("N")[..8];
        var response = await Admin.PostAsync("/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name } });
        Assert.Equal(HttpStatusCode.Created, response.Status);
        return name;
    }

    /// <summary>Creates the pod through the API and (by default) waits until all its containers run.</summary>
    public async Task CreatePodAsync(string ns, JsonObject pod, bool waitForRunning = true)
    {
        var response = await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", pod);
        Assert.True(response.Status == HttpStatusCode.Created, response.Text);
        if (waitForRunning) await WaitForPodAsync(ns, pod.Str("metadata", "name")!, p => p.Str("status", "phase") == "Running"
            && p.Objects("status", "containerStatuses").All(c => c.Obj("state", "running") is not null), "running");
    }

    public async Task<JsonObject> WaitForPodAsync(string ns, string name, Func<JsonObject, bool> condition, string what, double timeoutSeconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        JsonObject? pod = null;
        while (DateTime.UtcNow < deadline)
        {
            pod = (await Admin.GetAsync($"/api/v1/namespaces/{ns}/pods/{name}")).Body as JsonObject;
            if (pod is not null && (string?)pod["kind"] == "Pod" && condition(pod)) return pod;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"pod {name} not {what}; last: {pod?.ToJsonString()}");
    }

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        await Cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class KubeletCollection : ICollectionFixture<KubeletFixture>
{
    public const string Name = "kubelet";
}

/// <summary>Pods the kubelet tests create.</summary>
internal static class KubeletPods
{
    /// <summary>A pod on worker001 with the given containers: (name, image, command or null, ports).</summary>
    public static JsonObject Pod(string name, params (string Name, string Image, string[]? Command, int[] Ports)[] containers)
    {
        var list = new JsonArray();
        foreach (var c in containers)
        {
            var container = new JsonObject { ["name"] = c.Name, ["image"] = c.Image };
            if (c.Command is not null) container["command"] = new JsonArray(c.Command.Select(a => (JsonNode)a).ToArray());
            if (c.Ports.Length > 0) container["ports"] = new JsonArray(c.Ports.Select(p => (JsonNode)new JsonObject { ["containerPort"] = p }).ToArray());
            list.Add(container);
        }
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["nodeName"] = "worker001", ["containers"] = list },
        };
    }
}

/// <summary>A client side of the channel protocol, for the tests: what kubectl and KubernetesClient do.</summary>
internal sealed class ChannelClient(ClientWebSocket socket)
{
    public ClientWebSocket Socket => socket;

    public Task SendAsync(byte channel, byte[] data) =>
        socket.SendAsync(new byte[] { channel }.Concat(data).ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None);

    public Task SendTextAsync(byte channel, string text) => SendAsync(channel, Encoding.UTF8.GetBytes(text));

    /// <summary>Next message (channel, payload), or null when the server closed.</summary>
    public async Task<(byte Channel, byte[] Data)?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        var buffer = new byte[65536];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) break;
        }
        var bytes = message.ToArray();
        return (bytes[0], bytes[1..]);
    }

    /// <summary>Reads until the server closes: the text per channel, in arrival order.</summary>
    public async Task<Dictionary<byte, string>> ReadAllAsync(TimeSpan? timeout = null)
    {
        var streams = new Dictionary<byte, StringBuilder>();
        while (await ReceiveAsync(timeout) is { } m)
        {
            if (!streams.TryGetValue(m.Channel, out var sb)) streams[m.Channel] = sb = new StringBuilder();
            sb.Append(Encoding.UTF8.GetString(m.Data));
        }
        return streams.ToDictionary(p => p.Key, p => p.Value.ToString());
    }
}
