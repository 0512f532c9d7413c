using System.Net.Http.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using PodTools.Engine.Bulk;
using PodTools.TestCluster;
using Xunit.Abstractions;

namespace PodTools.Engine.Tests.Bulk;

/// <summary>The bulk runner against the in-process test cluster, through KubernetesClient and real HTTP.</summary>
public sealed class BulkRunnerClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Patches_200_pods_through_injected_503_429_and_reset_faults_until_every_pod_is_labelled()
    {
        await using var host = await TestClusterHost.StartAsync(new TestClusterOptions());
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath);
        using var client = new Kubernetes(config);
        using var control = host.CreateHttpClient();
        var seeded = await control.PostAsJsonAsync("/podtools.test/v1/seed", new
        {
            @namespace = "default", count = 200, namePrefix = "bulk-", labels = new Dictionary<string, string> { ["app"] = "bulk" }, image = "nginx",
        });
        seeded.EnsureSuccessStatusCode();
        var pods = await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=bulk");
        Assert.Equal(200, pods.Items.Count);

        (await control.PutAsJsonAsync("/podtools.test/v1/faults", new
        {
            latencyMs = 0,
            rules = new object[]
            {
                new { verb = "patch", pathRegex = "/pods/", status = 503, rate = 0.05 },
                new { verb = "patch", pathRegex = "/pods/", status = 429, rate = 0.05, retryAfterSeconds = 1 },
                new { verb = "patch", pathRegex = "/pods/", status = 0, rate = 0.03 }, // connection reset mid-body
            },
        })).EnsureSuccessStatusCode();
        (await control.DeleteAsync("/podtools.test/v1/requests")).EnsureSuccessStatusCode();

        var patch = new V1Patch("""{"metadata":{"labels":{"tier":"frontend"}}}""", V1Patch.PatchType.MergePatch);
        // Eight attempts: at a 12.5% fault rate, some pod failing all of them happens in about 3 runs of 100,000.
        var options = new BulkOptions { BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromSeconds(2), MaxAttempts = 8 };
        var run = BulkRunner.Start(pods.Items,
            (V1Pod pod, CancellationToken ct) => client.CoreV1.PatchNamespacedPodAsync(patch, pod.Name(), pod.Namespace(), cancellationToken: ct),
            options);
        var outcomes = new List<BulkOutcome<V1Pod, V1Pod>>();
        await foreach (var outcome in run.Outcomes.ReadAllAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token))
        {
            outcomes.Add(outcome);
        }

        var summary = await run.Completion;
        (await control.DeleteAsync("/podtools.test/v1/faults")).EnsureSuccessStatusCode();
        var log = await control.GetFromJsonAsync<List<LoggedRequest>>("/podtools.test/v1/requests");
        var patches = log!.Where(r => r.Method == "PATCH" && r.Path.Contains("/pods/", StringComparison.Ordinal)).ToList();
        int faulted = patches.Count(r => r.Status != 200);
        var labelled = await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=bulk,tier=frontend");

        output.WriteLine($"{summary}; faulted patch requests: {string.Join(", ", patches.Where(r => r.Status != 200).GroupBy(r => r.Status).Select(g => $"{g.Key} x{g.Count()}"))}");
        foreach (var failure in outcomes.Where(o => !o.Succeeded))
        {
            output.WriteLine($"{failure.Item.Name()}: {failure.Error}");
        }

        Assert.Equal((200, 0, 0), (summary.Succeeded, summary.Failed, summary.Cancelled));
        Assert.All(outcomes, o => Assert.Equal("frontend", o.Result!.Labels()["tier"]));
        Assert.Equal(200, labelled.Items.Count);
        Assert.True(faulted > 0, "no fault was injected, so retries went untested");
        Assert.All(patches.Where(r => r.Status != 200), r => Assert.Contains(r.Status, new[] { 429, 503, 0 }));
        Assert.Equal(faulted, summary.Retries);
        Assert.Equal(200 + faulted, patches.Count);
        if (patches.Any(r => r.Status == 429))
        {
            Assert.True(summary.Elapsed >= TimeSpan.FromSeconds(0.9), $"a 429 asked for 1 s but the run took {summary.Elapsed}");
        }
    }

    private sealed record LoggedRequest(
        [property: JsonPropertyName("method")] string Method,
        [property: JsonPropertyName("path")] string Path,
        [property: JsonPropertyName("status")] int Status);
}
