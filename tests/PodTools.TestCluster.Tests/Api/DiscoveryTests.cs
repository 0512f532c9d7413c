using System.Net;
using System.Text.Json.Nodes;

namespace PodTools.TestCluster.Tests.Api;

[Collection(ClusterCollection.Name)]
public sealed class DiscoveryTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Reports_a_Kubernetes_version()
    {
        var version = (await fixture.Admin.GetAsync("/version")).Object;
        Assert.Equal("1", (string?)version["major"]);
        Assert.StartsWith("v1.", (string?)version["gitVersion"]);
    }

    [Fact]
    public async Task Lists_the_core_group_and_an_empty_group_list()
    {
        var api = (await fixture.Admin.GetAsync("/api")).Object;
        Assert.Equal("APIVersions", (string?)api["kind"]);
        Assert.Equal(["v1"], api["versions"]!.AsArray().Select(v => (string)v!));

        var apis = (await fixture.Admin.GetAsync("/apis")).Object;
        Assert.Equal("APIGroupList", (string?)apis["kind"]);
        Assert.Empty(apis["groups"]!.AsArray());
    }

    [Theory]
    [InlineData("pods", "Pod", true, "po")]
    [InlineData("namespaces", "Namespace", false, "ns")]
    [InlineData("nodes", "Node", false, "no")]
    [InlineData("events", "Event", true, "ev")]
    public async Task Describes_each_resource_with_verbs_and_short_names(string name, string kind, bool namespaced, string shortName)
    {
        var list = (await fixture.Admin.GetAsync("/api/v1")).Object;
        Assert.Equal("APIResourceList", (string?)list["kind"]);
        var resource = list["resources"]!.AsArray().OfType<JsonObject>().Single(r => (string?)r["name"] == name);
        Assert.Equal(kind, (string?)resource["kind"]);
        Assert.Equal(namespaced, (bool?)resource["namespaced"]);
        Assert.Contains(shortName, resource["shortNames"]!.AsArray().Select(v => (string?)v));
        Assert.Contains("watch", resource["verbs"]!.AsArray().Select(v => (string?)v));
    }

    [Fact]
    public async Task Answers_404_for_OpenAPI_v2_and_unknown_resources()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Admin.GetAsync("/openapi/v2")).Status);
        var unknown = await fixture.Admin.GetAsync("/api/v1/namespaces/default/deployments");
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal("the server could not find the requested resource", unknown.StatusMessage);
    }

    [Fact]
    public async Task Starts_with_the_standard_namespaces_and_three_ready_nodes()
    {
        var namespaces = (await fixture.Admin.GetAsync("/api/v1/namespaces")).Object["items"]!.AsArray()
            .Select(n => (string?)n!["metadata"]!["name"]).ToList();
        Assert.Contains("default", namespaces);
        Assert.Contains("kube-system", namespaces);
        Assert.Contains("kube-public", namespaces);

        var nodes = (await fixture.Admin.GetAsync("/api/v1/nodes")).Object["items"]!.AsArray().OfType<JsonObject>().ToList();
        Assert.Equal(["master001", "worker001", "worker002"], nodes.Select(n => (string?)n["metadata"]!["name"]));
        foreach (var node in nodes)
        {
            var name = (string?)node["metadata"]!["name"];
            Assert.Equal(name, (string?)node["metadata"]!["labels"]!["kubernetes.io/hostname"]);
            Assert.Equal("linux", (string?)node["metadata"]!["labels"]!["kubernetes.io/os"]);
            Assert.Equal("amd64", (string?)node["metadata"]!["labels"]!["beta.kubernetes.io/arch"]);
            var ready = node["status"]!["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "Ready");
            Assert.Equal("True", (string?)ready!["status"]);
            Assert.StartsWith("v1.", (string?)node["status"]!["nodeInfo"]!["kubeletVersion"]);
            Assert.Equal("InternalIP", (string?)node["status"]!["addresses"]![0]!["type"]);
        }
        Assert.NotNull(nodes[0]["metadata"]!["labels"]!["node-role.kubernetes.io/control-plane"]);
        Assert.Null(nodes[1]["metadata"]!["labels"]!["node-role.kubernetes.io/control-plane"]);
    }
}
