using System.Net;
using System.Text.Json.Nodes;

namespace PodTools.TestCluster.Tests.Api;

[Collection(ClusterCollection.Name)]
public sealed class AuthTests(ClusterFixture fixture)
{
    [Theory]
    [InlineData("anonymous")]
    [InlineData("bad-token")]
    public async Task Rejects_requests_without_valid_credentials_with_an_Unauthorized_Status(string user)
    {
        using var client = fixture.Client(user);
        var response = await client.GetAsync("/api/v1/namespaces/default/pods");

        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal(
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}""",
            response.Text);
    }

    [Fact]
    public async Task Accepts_the_cert_admin_client_certificate_with_full_access()
    {
        var ns = await fixture.NewNamespaceAsync();
        using var client = fixture.Client("cert-admin");

        var created = await client.PostAsync($"/api/v1/namespaces/{ns}/pods", Manifests.Pod("by-cert"));

        Assert.Equal(HttpStatusCode.Created, created.Status);
        var log = fixture.Cluster.Requests.Entries.Last(e => e.Path == $"/api/v1/namespaces/{ns}/pods" && e.Method == "POST");
        Assert.Equal("cert-admin", log.User);
    }

    [Fact]
    public async Task Viewer_can_read_but_gets_Forbidden_with_the_RBAC_message_on_writes()
    {
        using var viewer = fixture.Client("viewer");
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/v1/namespaces/default/pods")).Status);

        var create = await viewer.PostAsync("/api/v1/namespaces/default/pods", Manifests.Pod("x"));
        Assert.Equal(HttpStatusCode.Forbidden, create.Status);
        Assert.Equal(
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods is forbidden: User \"viewer\" cannot create resource \"pods\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","details":{"kind":"pods"},"code":403}""",
            create.Text);

        var delete = await viewer.SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/pods/x");
        Assert.Equal("pods \"x\" is forbidden: User \"viewer\" cannot delete resource \"pods\" in API group \"\" in the namespace \"default\"", delete.StatusMessage);
        Assert.Equal("x", (string?)delete.Object["details"]?["name"]);

        var node = await viewer.SendAsync(HttpMethod.Delete, "/api/v1/nodes/worker001");
        Assert.Equal("nodes \"worker001\" is forbidden: User \"viewer\" cannot delete resource \"nodes\" in API group \"\" at the cluster scope", node.StatusMessage);
    }

    [Fact]
    public async Task Viewer_cannot_use_the_control_endpoints()
    {
        using var viewer = fixture.Client("viewer");
        var response = await viewer.GetAsync("/podtools.test/v1/requests");
        Assert.Equal(HttpStatusCode.Forbidden, response.Status);
    }
}
