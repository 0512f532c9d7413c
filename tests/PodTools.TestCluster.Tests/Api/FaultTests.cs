using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace PodTools.TestCluster.Tests.Api;

[Collection(ClusterCollection.Name)]
public sealed class FaultTests(ClusterFixture fixture) : IAsyncLifetime
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
    public async Task A_rule_fails_only_its_verb_and_path()
    {
        await SetFaultsAsync("""{"rules":[{"verb":"list","pathRegex":"/pods$","status":503,"rate":1}]}""");

        var list = await Admin.GetAsync("/api/v1/namespaces/default/pods");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, list.Status);
        Assert.Equal("ServiceUnavailable", (string?)list.Object["reason"]);
        Assert.Equal(503, (int?)list.Object["code"]);

        Assert.Equal(HttpStatusCode.OK, (await Admin.GetAsync("/api/v1/nodes")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync("/api/v1/namespaces/default/pods/none")).Status);
    }

    [Fact]
    public async Task Too_many_requests_carries_Retry_After()
    {
        await SetFaultsAsync("""{"rules":[{"verb":"get","pathRegex":"/nodes/","status":429,"rate":1,"retryAfterSeconds":3}]}""");

        var response = await Admin.GetAsync("/api/v1/nodes/worker001");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.Status);
        Assert.Equal("3", response.Raw.Headers.GetValues("Retry-After").Single());
        Assert.Equal("TooManyRequests", (string?)response.Object["reason"]);
        Assert.Equal(3, (int?)response.Object["details"]!["retryAfterSeconds"]);
    }

    [Fact]
    public async Task The_rate_decides_what_share_of_requests_fail()
    {
        await SetFaultsAsync("""{"rules":[{"verb":"get","status":500,"rate":0.5}]}""");

        var statuses = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Admin.GetAsync("/api/v1/nodes/worker002")));

        var failures = statuses.Count(s => s.Status == HttpStatusCode.InternalServerError);
        Assert.Equal(200, failures + statuses.Count(s => s.Status == HttpStatusCode.OK));
        // Binomial(200, 0.5): outside 60..140 happens with probability below 1e-8.
        Assert.InRange(failures, 60, 140);
    }

    [Fact]
    public async Task Status_zero_resets_the_connection_mid_body()
    {
        await SetFaultsAsync("""{"rules":[{"verb":"list","pathRegex":"/nodes$","status":0}]}""");

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var response = await Admin.Http.GetAsync("/api/v1/nodes");
            await response.Content.ReadAsStringAsync();
        });
        var logged = fixture.Cluster.Requests.Entries.Last(e => e.Path == "/api/v1/nodes");
        Assert.Equal(0, logged.Status);
    }

    [Fact]
    public async Task Latency_is_added_to_every_request()
    {
        await SetFaultsAsync("""{"latencyMs":200}""");

        var watch = Stopwatch.StartNew();
        await Admin.GetAsync("/api/v1/nodes/worker001");

        Assert.True(watch.ElapsedMilliseconds >= 195, $"took {watch.ElapsedMilliseconds} ms");
        var current = (await Admin.GetAsync("/podtools.test/v1/faults")).Object;
        Assert.Equal(200, (int?)current["latencyMs"]);
    }

    [Fact]
    public async Task A_bad_rule_is_rejected()
    {
        var response = await Admin.SendTextAsync(HttpMethod.Put, "/podtools.test/v1/faults", """{"rules":[{"pathRegex":"(","status":500}]}""", "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
    }
}
