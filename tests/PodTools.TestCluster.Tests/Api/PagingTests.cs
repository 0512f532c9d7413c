using System.Net;
using System.Text.Json.Nodes;
using static PodTools.TestCluster.Tests.Manifests;

namespace PodTools.TestCluster.Tests.Api;

[Collection(ClusterCollection.Name)]
public sealed class PagingTests(ClusterFixture fixture)
{
    private ApiClient Admin => fixture.Admin;

    private async Task<string> NamespaceWithPodsAsync(int count)
    {
        var ns = await fixture.NewNamespaceAsync();
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod($"p{i}", nodeName: "worker001"))).Status);
        }
        return ns;
    }

    [Fact]
    public async Task Limit_and_continue_page_through_every_pod_once_in_name_order()
    {
        var ns = await NamespaceWithPodsAsync(7);
        var names = new List<string>();
        var pages = 0;
        string? token = null;
        string? firstVersion = null;
        do
        {
            var path = $"/api/v1/namespaces/{ns}/pods?limit=3" + (token is null ? "" : "&continue=" + Uri.EscapeDataString(token));
            var page = (await Admin.GetAsync(path)).Object;
            pages++;
            var metadata = page["metadata"]!.AsObject();
            firstVersion ??= (string?)metadata["resourceVersion"];
            // Every page reports the resourceVersion of the first, like a consistent etcd read.
            Assert.Equal(firstVersion, (string?)metadata["resourceVersion"]);
            names.AddRange(page["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!));
            token = (string?)metadata["continue"];
            if (token is not null) Assert.Equal(7 - names.Count, (long?)metadata["remainingItemCount"]);
        } while (token is not null);

        Assert.Equal(3, pages);
        Assert.Equal(["p0", "p1", "p2", "p3", "p4", "p5", "p6"], names);
    }

    [Fact]
    public async Task Continue_after_compaction_is_410_Expired()
    {
        var ns = await NamespaceWithPodsAsync(3);
        var first = (await Admin.GetAsync($"/api/v1/namespaces/{ns}/pods?limit=1")).Object;
        var token = (string)first["metadata"]!["continue"]!;
        // A write after the first page, then compaction: the token's revision is gone.
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("later", nodeName: "worker001"));
        await Admin.SendAsync(HttpMethod.Post, "/podtools.test/v1/compact");

        var response = await Admin.GetAsync($"/api/v1/namespaces/{ns}/pods?limit=1&continue={Uri.EscapeDataString(token)}");

        Assert.Equal(HttpStatusCode.Gone, response.Status);
        Assert.Equal("Expired", (string?)response.Object["reason"]);
        Assert.StartsWith("The provided continue parameter is too old to display a consistent list result.", response.StatusMessage);
    }

    [Fact]
    public async Task A_garbled_continue_token_is_BadRequest()
    {
        var response = await Admin.GetAsync("/api/v1/namespaces/default/pods?limit=1&continue=not-a-token");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.StartsWith("invalid continue token", response.StatusMessage);
    }

    [Fact]
    public async Task Lists_carry_a_resourceVersion_and_list_kind()
    {
        var list = (await Admin.GetAsync("/api/v1/nodes")).Object;
        Assert.Equal("NodeList", (string?)list["kind"]);
        Assert.Equal("v1", (string?)list["apiVersion"]);
        Assert.True(long.Parse((string)list["metadata"]!["resourceVersion"]!) > 0);
        Assert.Null(list["items"]![0]!["kind"]);
    }

    [Fact]
    public async Task Table_output_has_kubectl_columns()
    {
        var ns = await NamespaceWithPodsAsync(1);
        var table = await Admin.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods", accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");

        Assert.Equal("Table", (string?)table.Object["kind"]);
        Assert.Equal("meta.k8s.io/v1", (string?)table.Object["apiVersion"]);
        var columns = table.Object["columnDefinitions"]!.AsArray().Select(c => (string?)c!["name"]).ToList();
        Assert.Equal(["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"], columns);
        Assert.Equal("p0", (string?)table.Object["rows"]![0]!["cells"]![0]);
    }
}
