using System.Net;
using static PodTools.TestCluster.Tests.Manifests;

namespace PodTools.TestCluster.Tests.Api;

[Collection(ClusterCollection.Name)]
public sealed class DryRunTests(ClusterFixture fixture)
{
    private ApiClient Admin => fixture.Admin;

    [Fact]
    public async Task Dry_run_create_validates_and_returns_the_object_but_stores_nothing()
    {
        var ns = await fixture.NewNamespaceAsync();
        var response = await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods?dryRun=All", Pod("ghost"));

        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Equal("ghost", (string?)response.Object["metadata"]!["name"]);
        Assert.NotNull(response.Object["metadata"]!["uid"]);
        Assert.Null(response.Object["metadata"]!["resourceVersion"]);
        Assert.Null(await fixture.Cluster.Store.GetAsyncOrNull("pods", ns, "ghost"));

        var invalid = await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods?dryRun=All", Pod("Not Valid"));
        Assert.Equal((HttpStatusCode)422, invalid.Status);
    }

    [Fact]
    public async Task Dry_run_patch_and_delete_leave_the_stored_object_unchanged()
    {
        var ns = await fixture.NewNamespaceAsync();
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("real", Labels("v=1")));

        var patched = await Admin.SendTextAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/real?dryRun=All",
            """{"metadata":{"labels":{"v":"2"}}}""", "application/merge-patch+json");
        Assert.Equal("2", (string?)patched.Object["metadata"]!["labels"]!["v"]);
        Assert.Equal("1", (string?)(await fixture.Cluster.Store.GetAsyncOrNull("pods", ns, "real"))!["metadata"]!["labels"]!["v"]);

        var deleted = await Admin.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods/real?dryRun=All&gracePeriodSeconds=0");
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        Assert.NotNull(await fixture.Cluster.Store.GetAsyncOrNull("pods", ns, "real"));
    }
}
