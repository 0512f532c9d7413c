using System.Net;
using System.Text.Json.Nodes;

namespace PodTools.TestCluster.Tests.Api;

[Collection(ClusterCollection.Name)]
public sealed class RequestLogTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Logs_method_path_query_status_and_user_but_not_control_requests()
    {
        var admin = fixture.Admin;
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(HttpMethod.Delete, "/podtools.test/v1/requests")).Status);
        await admin.GetAsync("/api/v1/namespaces/default/pods?labelSelector=app%3Dx&limit=5");
        await admin.GetAsync("/api/v1/namespaces/default/pods/absent");

        var log = (await admin.GetAsync("/podtools.test/v1/requests")).Body!.AsArray().OfType<JsonObject>().ToList();

        Assert.Equal(2, log.Count);
        Assert.Equal("GET", (string?)log[0]["method"]);
        Assert.Equal("/api/v1/namespaces/default/pods", (string?)log[0]["path"]);
        Assert.Equal("?labelSelector=app%3Dx&limit=5", (string?)log[0]["query"]);
        Assert.Equal(200, (int?)log[0]["status"]);
        Assert.Equal("admin", (string?)log[0]["user"]);
        Assert.Equal(404, (int?)log[1]["status"]);
    }
}
