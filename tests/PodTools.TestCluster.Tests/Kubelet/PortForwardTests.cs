using System.Net;
using System.Text;
using static PodTools.TestCluster.Tests.Kubelet.KubeletPods;

namespace PodTools.TestCluster.Tests.Kubelet;

[Collection(KubeletCollection.Name)]
public sealed class PortForwardTests(KubeletFixture fixture)
{
    // What KubernetesClient's WebSocketNamespacedPodPortForwardAsync offers.
    private static readonly string[] V4 = ["v4.channel.k8s.io"];

    private async Task<string> WebPodAsync(string name)
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.CreatePodAsync(ns, Pod(name, ("web", "nginx:1.27", null, [8080]), ("metrics", "busybox", null, [9090])));
        return ns;
    }

    private static byte[] Port(int port) => [(byte)(port & 0xff), (byte)(port >> 8)];

    [Fact]
    public async Task Each_port_gets_a_data_and_an_error_channel_that_start_with_the_port_number()
    {
        var ns = await WebPodAsync("pf-ports");
        using var socket = await fixture.ConnectAsync($"/api/v1/namespaces/{ns}/pods/pf-ports/portforward?ports=8080&ports=9090", V4);
        var client = new ChannelClient(socket);
        var opening = new List<(byte, byte[])>();
        for (var i = 0; i < 4; i++) opening.Add((await client.ReceiveAsync())!.Value);

        Assert.Equal([(byte)0, (byte)1, (byte)2, (byte)3], opening.Select(m => m.Item1));
        Assert.Equal(Port(8080), opening[0].Item2);
        Assert.Equal(Port(8080), opening[1].Item2);
        Assert.Equal(Port(9090), opening[2].Item2);
        Assert.Equal(Port(9090), opening[3].Item2);

        await client.SendTextAsync(2, "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        var reply = await client.ReceiveAsync();
        Assert.Equal((byte)2, reply!.Value.Channel);
        var text = Encoding.UTF8.GetString(reply.Value.Data);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", text);
        Assert.EndsWith($"\r\n\r\npod=pf-ports namespace={ns} container=metrics port=9090 method=GET path=/metrics\n", text);
    }

    [Fact]
    public async Task Ten_parallel_connections_each_get_their_own_HTTP_replies()
    {
        var ns = await WebPodAsync("pf-many");
        var replies = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
        {
            using var socket = await fixture.ConnectAsync($"/api/v1/namespaces/{ns}/pods/pf-many/portforward?ports=8080", V4);
            var client = new ChannelClient(socket);
            await client.ReceiveAsync();
            await client.ReceiveAsync();
            var bodies = new List<string>();
            // Two requests on one kept-alive connection, the second closing it.
            foreach (var connection in new[] { "keep-alive", "close" })
            {
                await client.SendTextAsync(0, $"GET /req-{i}-{connection} HTTP/1.1\r\nHost: localhost\r\nConnection: {connection}\r\n\r\n");
                var reply = Encoding.UTF8.GetString((await client.ReceiveAsync())!.Value.Data);
                bodies.Add(reply[(reply.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
            }
            Assert.Null(await client.ReceiveAsync()); // the connection ended, so the WebSocket closes
            return bodies;
        }));

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal($"pod=pf-many namespace={ns} container=web port=8080 method=GET path=/req-{i}-keep-alive\n", replies[i][0]);
            Assert.Equal($"pod=pf-many namespace={ns} container=web port=8080 method=GET path=/req-{i}-close\n", replies[i][1]);
        }
    }

    [Fact]
    public async Task A_port_nothing_listens_on_reports_connection_refused_on_the_error_channel()
    {
        var ns = await WebPodAsync("pf-refused");
        using var socket = await fixture.ConnectAsync($"/api/v1/namespaces/{ns}/pods/pf-refused/portforward?ports=7777", V4);
        var streams = await new ChannelClient(socket).ReadAllAsync();
        Assert.Matches("^..error forwarding port 7777 to pod [0-9a-f]{64}, uid : .*connect: connection refused", streams[1]);
    }

    [Fact]
    public async Task Missing_ports_and_an_unknown_pod_are_refused()
    {
        var ns = await WebPodAsync("pf-bad");
        var error = await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() =>
            fixture.ConnectAsync($"/api/v1/namespaces/{ns}/pods/pf-bad/portforward", V4));
        Assert.Contains("400", error.Message);

        var missing = await fixture.Admin.GetAsync($"/api/v1/namespaces/{ns}/pods/nope/portforward?ports=80");
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
    }

    [Fact]
    public async Task The_viewer_may_not_port_forward()
    {
        var ns = await WebPodAsync("pf-ro");
        using var viewer = new ApiClient(fixture.CreateHttpClient("viewer"));
        var response = await viewer.GetAsync($"/api/v1/namespaces/{ns}/pods/pf-ro/portforward?ports=8080");
        Assert.Equal(HttpStatusCode.Forbidden, response.Status);
        Assert.Contains("cannot create resource \"pods/portforward\"", response.StatusMessage);
    }
}
