using System.Net;
using static PodTools.TestCluster.Tests.Manifests;

namespace PodTools.TestCluster.Tests.Api;

/// <summary>Fault rules with "after": the request is carried out and its answer replaced by the fault.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AfterFaultTests(ClusterFixture fixture) : IAsyncLifetime
{
    private ApiClient Admin => fixture.Admin;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Admin.SendAsync(HttpMethod.Delete, "/podtools.test/v1/faults");

    private async Task SetFaultsAsync(string json)
    {
        var response = await Admin.SendTextAsync(HttpMethod.Put, "/podtools.test/v1/faults", json, "application/json");
        Assert.Equal(HttpStatusCode.OK, response.Status);
    }

    [Fact]
    public async Task A_create_is_stored_although_the_client_gets_503()
    {
        var ns = await fixture.NewNamespaceAsync();
        await SetFaultsAsync("""{"rules":[{"verb":"create","pathRegex":"/pods$","status":503,"after":true}]}""");

        var create = await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("lost", Labels("app=web")));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, create.Status);
        Assert.Equal("ServiceUnavailable", (string?)create.Object["reason"]);
        Assert.Equal("Status", (string?)create.Object["kind"]);
        Assert.False(create.Raw.Headers.Contains("Location"));
        var stored = await Admin.GetAsync($"/api/v1/namespaces/{ns}/pods/lost");
        Assert.Equal(HttpStatusCode.OK, stored.Status);
        Assert.Equal("web", (string?)stored.Object["metadata"]!["labels"]!["app"]);
        var logged = fixture.Cluster.Requests.Entries.Last(e => e.Method == "POST" && e.Path == $"/api/v1/namespaces/{ns}/pods");
        Assert.Equal(503, logged.Status);
    }

    [Fact]
    public async Task A_patch_is_applied_although_the_connection_is_reset_before_its_answer()
    {
        var ns = await fixture.NewNamespaceAsync();
        Assert.Equal(HttpStatusCode.Created, (await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("p", Labels("app=web")))).Status);
        await SetFaultsAsync("""{"rules":[{"verb":"patch","status":0,"after":true}]}""");

        await Assert.ThrowsAnyAsync<Exception>(() => Admin.SendTextAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/p",
            """{"metadata":{"labels":{"tier":"fe"}}}""", "application/merge-patch+json"));

        var stored = await Admin.GetAsync($"/api/v1/namespaces/{ns}/pods/p");
        Assert.Equal("fe", (string?)stored.Object["metadata"]!["labels"]!["tier"]);
        Assert.Equal(0, fixture.Cluster.Requests.Entries.Last(e => e.Method == "PATCH" && e.Path.EndsWith($"/{ns}/pods/p")).Status);
    }

    [Fact]
    public async Task A_request_the_server_refuses_still_gets_the_fault_instead_of_its_own_error()
    {
        var ns = await fixture.NewNamespaceAsync();
        Assert.Equal(HttpStatusCode.Created, (await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("twice"))).Status);
        await SetFaultsAsync("""{"rules":[{"verb":"create","status":500,"after":true}]}""");

        var again = await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("twice"));

        Assert.Equal(HttpStatusCode.InternalServerError, again.Status);
        Assert.Equal("InternalError", (string?)again.Object["reason"]);
    }

    [Fact]
    public async Task A_rule_with_times_fires_only_that_often()
    {
        var ns = await fixture.NewNamespaceAsync();
        await SetFaultsAsync("""{"rules":[{"verb":"create","status":503,"after":true,"times":1}]}""");

        var first = await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("one"));
        var second = await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("two"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.Status);
        Assert.Equal(HttpStatusCode.Created, second.Status);
        Assert.Equal(HttpStatusCode.OK, (await Admin.GetAsync($"/api/v1/namespaces/{ns}/pods/one")).Status);
    }

    [Fact]
    public async Task An_after_rule_leaves_watches_alone()
    {
        await SetFaultsAsync("""{"rules":[{"status":503,"after":true}]}""");

        await using var watch = await WatchStream.OpenAsync(Admin.Http, "/api/v1/namespaces/kube-public/pods?watch=1&timeoutSeconds=1");

        Assert.Null(await watch.NextAsync(timeoutSeconds: 5));
    }

    [Fact]
    public async Task The_control_endpoint_shows_after_and_times_only_on_rules_that_use_them()
    {
        await SetFaultsAsync("""{"rules":[{"verb":"get","status":503},{"verb":"patch","status":0,"after":true,"times":2}]}""");

        var rules = (await Admin.GetAsync("/podtools.test/v1/faults")).Object["rules"]!.AsArray();

        Assert.Equal(["verb", "pathRegex", "status", "rate", "retryAfterSeconds"], rules[0]!.AsObject().Select(p => p.Key));
        Assert.True((bool?)rules[1]!["after"]);
        Assert.Equal(2, (int?)rules[1]!["times"]);
    }

    [Fact]
    public async Task A_negative_times_is_rejected()
    {
        var response = await Admin.SendTextAsync(HttpMethod.Put, "/podtools.test/v1/faults", """{"rules":[{"status":503,"times":-1}]}""", "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
    }
}
