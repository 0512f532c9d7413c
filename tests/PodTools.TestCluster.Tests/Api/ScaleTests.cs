using System.Net;
using System.Text.Json.Nodes;

namespace PodTools.TestCluster.Tests.Api;

/// <summary>Its own cluster: ten thousand pods would slow every other test's lists.</summary>
public sealed class ScaleTests
{
    [Fact]
    public async Task Seeds_ten_thousand_running_pods_and_pages_them_in_twenty_pages_of_500()
    {
        await using var cluster = await TestClusterHost.StartAsync(new TestClusterOptions { TimeScale = 30 });
        using var admin = new ApiClient(cluster.CreateHttpClient());

        var seeded = await admin.SendTextAsync(HttpMethod.Post, "/podtools.test/v1/seed",
            """{"namespace":"default","count":10000,"namePrefix":"bulk-","labels":{"app":"bulk"},"image":"nginx"}""", "application/json");
        Assert.Equal(HttpStatusCode.OK, seeded.Status);
        Assert.Equal(10000, (int?)seeded.Object["created"]);

        var names = new HashSet<string>();
        var pages = 0;
        string? token = null;
        do
        {
            var page = (await admin.GetAsync("/api/v1/namespaces/default/pods?labelSelector=app%3Dbulk&limit=500"
                + (token is null ? "" : "&continue=" + Uri.EscapeDataString(token)))).Object;
            pages++;
            foreach (var item in page["items"]!.AsArray())
            {
                Assert.True(names.Add((string)item!["metadata"]!["name"]!));
                Assert.Equal("Running", (string?)item["status"]!["phase"]);
            }
            token = (string?)page["metadata"]!["continue"];
            Assert.True(token is not null || page["items"]!.AsArray().Count > 0, "an empty last page");
        } while (token is not null);

        Assert.Equal(20, pages);
        Assert.Equal(10000, names.Count);
        var sample = (await admin.GetAsync("/api/v1/namespaces/default/pods/bulk-42")).Object;
        Assert.NotNull(sample["status"]!["podIP"]);
        Assert.True((bool?)sample["status"]!["containerStatuses"]![0]!["ready"]);
    }
}
