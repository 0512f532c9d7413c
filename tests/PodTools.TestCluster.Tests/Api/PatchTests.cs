using System.Net;
using System.Text.Json.Nodes;
using static PodTools.TestCluster.Tests.Manifests;

namespace PodTools.TestCluster.Tests.Api;

[Collection(ClusterCollection.Name)]
public sealed class PatchTests(ClusterFixture fixture)
{
    private ApiClient Admin => fixture.Admin;

    private async Task<string> PodWithTwoContainersAsync()
    {
        var ns = await fixture.NewNamespaceAsync();
        var pod = Pod("p", Labels("a=1", "b=2"));
        pod["spec"]!["containers"]!.AsArray().Add(new JsonObject { ["name"] = "side", ["image"] = "busybox:1.36" });
        Assert.Equal(HttpStatusCode.Created, (await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", pod)).Status);
        return ns;
    }

    [Fact]
    public async Task Merge_patch_sets_and_removes_labels()
    {
        var ns = await PodWithTwoContainersAsync();
        var response = await Admin.SendTextAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/p",
            """{"metadata":{"labels":{"a":null,"c":"3"}}}""", "application/merge-patch+json");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var labels = response.Object["metadata"]!["labels"]!.AsObject();
        Assert.Equal(["b", "c"], labels.Select(l => l.Key).Order());
    }

    [Fact]
    public async Task Accept_as_PartialObjectMetadata_answers_a_patch_and_a_get_with_the_metadata_alone()
    {
        const string metadataOnly = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";
        var ns = await PodWithTwoContainersAsync();

        var patched = await Admin.SendTextAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/p",
            """{"metadata":{"labels":{"c":"3"}}}""", "application/merge-patch+json", metadataOnly);
        var read = await Admin.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods/p", accept: metadataOnly);
        var whole = await Admin.GetAsync($"/api/v1/namespaces/{ns}/pods/p");

        foreach (var answer in new[] { patched, read })
        {
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            Assert.Equal("PartialObjectMetadata", (string?)answer.Object["kind"]);
            Assert.Equal("meta.k8s.io/v1", (string?)answer.Object["apiVersion"]);
            Assert.Equal("3", (string?)answer.Object["metadata"]!["labels"]!["c"]);
            Assert.Null(answer.Object["spec"]);
        }
        Assert.Equal("Pod", (string?)whole.Object["kind"]);
        Assert.Equal(2, whole.Object["spec"]!["containers"]!.AsArray().Count);
    }

    [Fact]
    public async Task Strategic_merge_patch_merges_containers_by_name()
    {
        var ns = await PodWithTwoContainersAsync();
        var response = await Admin.SendTextAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/p",
            """{"spec":{"containers":[{"name":"side","image":"busybox:1.37"}]}}""", "application/strategic-merge-patch+json");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var containers = response.Object["spec"]!["containers"]!.AsArray();
        Assert.Equal(2, containers.Count);
        Assert.Equal("nginx:1.27", (string?)containers[0]!["image"]);
        Assert.Equal("busybox:1.37", (string?)containers[1]!["image"]);
    }

    [Fact]
    public async Task Json_patch_applies_operations_in_order()
    {
        var ns = await PodWithTwoContainersAsync();
        var response = await Admin.SendTextAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/p",
            """[{"op":"add","path":"/metadata/annotations","value":{"note":"x"}},{"op":"remove","path":"/metadata/labels/a"}]""",
            "application/json-patch+json");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("x", (string?)response.Object["metadata"]!["annotations"]!["note"]);
        Assert.Null(response.Object["metadata"]!["labels"]!["a"]);
    }

    [Fact]
    public async Task A_resourceVersion_in_the_patch_is_a_precondition()
    {
        var ns = await PodWithTwoContainersAsync();
        var response = await Admin.SendTextAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/p",
            """{"metadata":{"resourceVersion":"1","labels":{"x":"y"}}}""", "application/merge-patch+json");

        Assert.Equal(HttpStatusCode.Conflict, response.Status);
        Assert.Equal("Operation cannot be fulfilled on pods \"p\": the object has been modified; please apply your changes to the latest version and try again", response.StatusMessage);
        Assert.Null((await fixture.Cluster.Store.GetAsyncOrNull("pods", ns, "p"))!["metadata"]!["labels"]!["x"]);
    }

    [Fact]
    public async Task A_patch_that_makes_the_object_invalid_is_422()
    {
        var ns = await PodWithTwoContainersAsync();
        var response = await Admin.SendTextAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/p",
            """{"metadata":{"labels":{"bad key!":"v"}}}""", "application/merge-patch+json");

        Assert.Equal((HttpStatusCode)422, response.Status);
        Assert.Equal("metadata.labels", (string?)response.Object["details"]!["causes"]![0]!["field"]);
    }

    [Fact]
    public async Task An_unknown_patch_type_is_UnsupportedMediaType()
    {
        var ns = await PodWithTwoContainersAsync();
        var response = await Admin.SendTextAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/p", "{}", "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.Status);
        Assert.StartsWith("the body of the request was in an unknown format", response.StatusMessage);
    }

    [Fact]
    public async Task Patching_a_missing_pod_is_NotFound()
    {
        var response = await Admin.SendTextAsync(HttpMethod.Patch, "/api/v1/namespaces/default/pods/missing", "{}", "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.NotFound, response.Status);
    }
}
