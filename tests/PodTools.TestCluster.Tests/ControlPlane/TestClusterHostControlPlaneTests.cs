using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace PodTools.TestCluster.Tests.ControlPlane;

/// <summary>The control plane behind the real API: what a client sees of scheduling, the kubelet and deletion.</summary>
public class TestClusterHostControlPlaneTests
{
    [Fact]
    public async Task A_pod_created_through_the_API_runs_its_command_shows_Running_in_tables_and_dies_with_its_deletion()
    {
        await using var host = await TestClusterHost.StartAsync(new TestClusterOptions { TimeScale = 50 });
        using var client = host.CreateHttpClient();
        // "$$$$" reaches the shell as "$$": Kubernetes turns "$$" into "$" in commands.
        var pod = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"api-pod"},
             "spec":{"containers":[{"name":"app","image":"busybox","command":["sh","-c","echo $$$$ > pid; echo started; sleep 300"]}]}}
            """;
        var created = await client.PostAsync("/api/v1/namespaces/default/pods", new StringContent(pod, Encoding.UTF8, "application/json"));
        Assert.Equal(201, (int)created.StatusCode);

        JsonObject? current = null;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            current = await client.GetFromJsonAsync<JsonObject>("/api/v1/namespaces/default/pods/api-pod");
            if ((string?)current?["status"]?["phase"] == "Running") break;
            await Task.Delay(20);
        }
        Assert.Equal("Running", (string?)current?["status"]?["phase"]);
        Assert.StartsWith("worker", (string?)current!["spec"]!["nodeName"]);

        using var tableRequest = new HttpRequestMessage(HttpMethod.Get, "/api/v1/namespaces/default/pods");
        tableRequest.Headers.TryAddWithoutValidation("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json");
        var table = JsonNode.Parse(await (await client.SendAsync(tableRequest)).Content.ReadAsStringAsync())!;
        var cells = table["rows"]![0]!["cells"]!.AsArray();
        Assert.Equal(["api-pod", "1/1", "Running", "0"], cells.Take(4).Select(c => (string?)c));

        var pidFile = Path.Combine(host.WorkDirectory, "default", "api-pod", "app", "pid");
        await WaitUntil(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0);
        var pid = int.Parse(File.ReadAllText(pidFile).Trim());
        Assert.True(PodJson.ProcessAlive(pid));

        var deleted = await client.DeleteAsync("/api/v1/namespaces/default/pods/api-pod");
        Assert.Equal(200, (int)deleted.StatusCode);
        await WaitUntil(() => host.Store.Get("pods", "default", "api-pod") is null);
        await WaitUntil(() => !PodJson.ProcessAlive(pid));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException("timed out");
            await Task.Delay(20);
        }
    }
}
