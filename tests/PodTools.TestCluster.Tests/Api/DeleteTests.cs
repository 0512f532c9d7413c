using System.Net;
using System.Text.Json.Nodes;
using static PodTools.TestCluster.Tests.Manifests;

namespace PodTools.TestCluster.Tests.Api;

[Collection(ClusterCollection.Name)]
public sealed class DeleteTests(ClusterFixture fixture)
{
    private ApiClient Admin => fixture.Admin;

    private async Task<bool> IsGoneAsync(string path) => (await Admin.GetAsync(path)).Status == HttpStatusCode.NotFound;

    [Fact]
    public async Task Deleting_a_scheduled_pod_makes_it_Terminating_and_then_removes_it()
    {
        var ns = await fixture.NewNamespaceAsync();
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("slow-stop", nodeName: "worker001"));

        var response = await Admin.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods/slow-stop");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("Pod", (string?)response.Object["kind"]);
        Assert.NotNull(response.Object["metadata"]!["deletionTimestamp"]);
        Assert.Equal(30, (int?)response.Object["metadata"]!["deletionGracePeriodSeconds"]);
        // 30 s of grace at TimeScale 30 is one second.
        await EventuallyAsync(() => IsGoneAsync($"/api/v1/namespaces/{ns}/pods/slow-stop"), "pod removed after its grace period", 5);
    }

    [Fact]
    public async Task Grace_period_zero_removes_the_pod_at_once()
    {
        var ns = await fixture.NewNamespaceAsync();
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("now", nodeName: "worker001"));

        var response = await Admin.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods/now",
            new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1", ["gracePeriodSeconds"] = 0 });

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.True(await IsGoneAsync($"/api/v1/namespaces/{ns}/pods/now"));
    }

    [Fact]
    public async Task A_pod_that_never_reached_a_node_is_removed_at_once()
    {
        var ns = await fixture.NewNamespaceAsync();
        var pod = Pod("nowhere");
        pod["spec"]!["nodeSelector"] = new JsonObject { ["disk"] = "none-has-this" };
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", pod);

        await Admin.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods/nowhere");

        Assert.True(await IsGoneAsync($"/api/v1/namespaces/{ns}/pods/nowhere"));
    }

    [Fact]
    public async Task A_uid_precondition_that_does_not_match_is_a_Conflict()
    {
        var ns = await fixture.NewNamespaceAsync();
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("guarded", nodeName: "worker001"));

        var response = await Admin.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods/guarded",
            new JsonObject { ["preconditions"] = new JsonObject { ["uid"] = "00000000-0000-0000-0000-000000000000" } });

        Assert.Equal(HttpStatusCode.Conflict, response.Status);
        Assert.Contains("Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000", response.StatusMessage);
        Assert.False(await IsGoneAsync($"/api/v1/namespaces/{ns}/pods/guarded"));
    }

    [Fact]
    public async Task Deleting_a_node_returns_a_Success_Status()
    {
        var node = new JsonObject { ["metadata"] = new JsonObject { ["name"] = "temp-node" } };
        Assert.Equal(HttpStatusCode.Created, (await Admin.PostAsync("/api/v1/nodes", node)).Status);

        var response = await Admin.SendAsync(HttpMethod.Delete, "/api/v1/nodes/temp-node");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("Success", (string?)response.Object["status"]);
        Assert.Equal("temp-node", (string?)response.Object["details"]!["name"]);
        Assert.True(await IsGoneAsync("/api/v1/nodes/temp-node"));
    }

    [Fact]
    public async Task Deletecollection_deletes_only_what_the_selectors_match()
    {
        var ns = await fixture.NewNamespaceAsync();
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("drop-1", Labels("batch=x")));
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("drop-2", Labels("batch=x")));
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("keep", Labels("batch=y")));

        var response = await Admin.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods?labelSelector=batch%3Dx&gracePeriodSeconds=0");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("PodList", (string?)response.Object["kind"]);
        Assert.Equal(["drop-1", "drop-2"], response.Object["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]));
        var left = (await Admin.GetAsync($"/api/v1/namespaces/{ns}/pods")).Object["items"]!.AsArray();
        Assert.Equal(["keep"], left.Select(i => (string?)i!["metadata"]!["name"]));
    }

    [Fact]
    public async Task Deleting_a_namespace_terminates_it_refuses_new_content_and_removes_it_with_its_pods()
    {
        var ns = await fixture.NewNamespaceAsync();
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("inside", nodeName: "worker002"));

        var response = await Admin.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("Terminating", (string?)response.Object["status"]!["phase"]);
        Assert.NotNull(response.Object["metadata"]!["deletionTimestamp"]);

        var refused = await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("late"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal($"pods \"late\" is forbidden: unable to create new content in namespace {ns} because it is being terminated", refused.StatusMessage);

        await EventuallyAsync(() => IsGoneAsync($"/api/v1/namespaces/{ns}"), "namespace removed", 10);
        Assert.Null(await fixture.Cluster.Store.GetAsyncOrNull("pods", ns, "inside"));
    }

    [Fact]
    public async Task The_default_namespace_may_not_be_deleted()
    {
        var response = await Admin.SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default");
        Assert.Equal(HttpStatusCode.Forbidden, response.Status);
        Assert.Equal("namespaces \"default\" is forbidden: this namespace may not be deleted", response.StatusMessage);
    }
}
