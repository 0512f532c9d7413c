using System.Net;
using static PodTools.TestCluster.Tests.Manifests;

namespace PodTools.TestCluster.Tests.Api;

[Collection(ClusterCollection.Name)]
public sealed class ConcurrencyTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Serves_200_concurrent_creates_gets_and_lists_without_errors()
    {
        var ns = await fixture.NewNamespaceAsync();
        var admin = fixture.Admin;

        var creates = Enumerable.Range(0, 100).Select(i => admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod($"c{i}", nodeName: "worker001")));
        var reads = Enumerable.Range(0, 100).Select(i => i % 2 == 0 ? admin.GetAsync($"/api/v1/namespaces/{ns}/pods") : admin.GetAsync("/api/v1/nodes/worker001"));
        var responses = await Task.WhenAll(creates.Concat(reads));

        Assert.All(responses.Take(100), r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.All(responses.Skip(100), r => Assert.Equal(HttpStatusCode.OK, r.Status));
        var list = (await admin.GetAsync($"/api/v1/namespaces/{ns}/pods")).Object;
        Assert.Equal(100, list["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task Concurrent_conditional_updates_of_one_object_let_exactly_one_win()
    {
        var ns = await fixture.NewNamespaceAsync();
        var admin = fixture.Admin;
        var current = (await admin.GetAsync($"/api/v1/namespaces/{ns}")).Object;

        var attempts = Enumerable.Range(0, 20).Select(i =>
        {
            var copy = current.DeepClone().AsObject();
            copy["metadata"]!["labels"]!["winner"] = $"w{i}";
            return admin.SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}", copy);
        });
        var responses = await Task.WhenAll(attempts);

        Assert.Equal(1, responses.Count(r => r.Status == HttpStatusCode.OK));
        Assert.Equal(19, responses.Count(r => r.Status == HttpStatusCode.Conflict));
    }
}
