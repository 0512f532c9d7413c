using System.Net;
using System.Text.Json.Nodes;
using static PodTools.TestCluster.Tests.Manifests;

namespace PodTools.TestCluster.Tests.Api;

[Collection(ClusterCollection.Name)]
public sealed class SubresourceAndEventTests(ClusterFixture fixture)
{
    private ApiClient Admin => fixture.Admin;

    [Fact]
    public async Task Status_changes_only_through_the_status_subresource()
    {
        var name = "status-" + Guid.NewGuid().ToString("N")[..6];
        await Admin.PostAsync("/api/v1/nodes", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } });
        try
        {
            var main = await Admin.SendTextAsync(HttpMethod.Patch, $"/api/v1/nodes/{name}",
                """{"metadata":{"labels":{"l":"1"}},"status":{"capacity":{"cpu":"8"}}}""", "application/merge-patch+json");
            Assert.Equal("1", (string?)main.Object["metadata"]!["labels"]!["l"]);
            Assert.Null(main.Object["status"]?["capacity"]);

            var status = await Admin.SendTextAsync(HttpMethod.Patch, $"/api/v1/nodes/{name}/status",
                """{"metadata":{"labels":{"l":"2"}},"status":{"capacity":{"cpu":"8"}}}""", "application/merge-patch+json");
            Assert.Equal(HttpStatusCode.OK, status.Status);
            Assert.Equal("8", (string?)status.Object["status"]!["capacity"]!["cpu"]);
            Assert.Equal("1", (string?)status.Object["metadata"]!["labels"]!["l"]);

            var fetched = await Admin.GetAsync($"/api/v1/nodes/{name}/status");
            Assert.Equal("8", (string?)fetched.Object["status"]!["capacity"]!["cpu"]);
        }
        finally
        {
            await Admin.SendAsync(HttpMethod.Delete, $"/api/v1/nodes/{name}");
        }
    }

    [Fact]
    public async Task Recorded_events_are_listable_by_involved_object_and_repeats_count_up()
    {
        var ns = await fixture.NewNamespaceAsync();
        var pod = (await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("evented", nodeName: "worker001"))).Object;
        var store = fixture.Cluster.Store;
        store.RecordEvent(pod, "Warning", "TestReason", "something happened", "kubelet/worker001");
        store.RecordEvent(pod, "Warning", "TestReason", "something happened", "kubelet/worker001");

        var list = (await Admin.GetAsync($"/api/v1/namespaces/{ns}/events?fieldSelector=involvedObject.name%3Devented,reason%3DTestReason")).Object;

        var e = Assert.Single(list["items"]!.AsArray())!.AsObject();
        Assert.Equal(2, (int?)e["count"]);
        Assert.Equal("Pod", (string?)e["involvedObject"]!["kind"]);
        Assert.Equal((string?)pod["metadata"]!["uid"], (string?)e["involvedObject"]!["uid"]);
        Assert.Equal("kubelet", (string?)e["source"]!["component"]);
        Assert.Equal("worker001", (string?)e["source"]!["host"]);
        Assert.Equal("Warning", (string?)e["type"]);
        Assert.StartsWith("evented.", (string?)e["metadata"]!["name"]);
    }

    [Fact]
    public async Task Get_as_Table_returns_one_row()
    {
        var table = await Admin.SendAsync(HttpMethod.Get, "/api/v1/nodes/worker001", accept: "application/json;as=Table;v=v1;g=meta.k8s.io");
        Assert.Equal("Table", (string?)table.Object["kind"]);
        var row = Assert.Single(table.Object["rows"]!.AsArray())!;
        Assert.Equal("worker001", (string?)row["cells"]![0]);
        Assert.Equal("Ready", (string?)row["cells"]![1]);
    }
}
