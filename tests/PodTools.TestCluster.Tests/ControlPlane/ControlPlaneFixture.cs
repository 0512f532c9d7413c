using System.Text.Json.Nodes;
using PodTools.TestCluster.ControlPlane;
using PodTools.TestCluster.Semantics;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Tests.ControlPlane;

/// <summary>A store with the contract's three nodes and a running control plane, fast-forwarded by TimeScale.</summary>
internal sealed class ControlPlaneFixture : IAsyncDisposable
{
    private ControlPlaneFixture(double timeScale)
    {
        Clock = new ClusterClock(timeScale);
        Store = new ClusterStore(Clock);
        WorkDirectory = Path.Combine(Path.GetTempPath(), "podtools-cp-" + Guid.NewGuid().ToString("N")[..8]);
        Store.Create("namespaces", JsonNode.Parse("""{"metadata":{"name":"default"},"status":{"phase":"Active"}}""")!.AsObject());
        AddNode("master001", 0, """{"node-role.kubernetes.io/control-plane":""}""", """[{"key":"node-role.kubernetes.io/control-plane","effect":"NoSchedule"}]""");
        AddNode("worker001", 1);
        AddNode("worker002", 2);
    }

    public ClusterClock Clock { get; }
    public ClusterStore Store { get; }
    public string WorkDirectory { get; }
    public ControlPlaneRunner Runner { get; private set; } = null!;

    public static ControlPlaneFixture Start(double timeScale = 100)
    {
        var fixture = new ControlPlaneFixture(timeScale);
        fixture.Runner = ControlPlaneRunner.Start(fixture.Store, fixture.Clock, fixture.WorkDirectory);
        return fixture;
    }

    private void AddNode(string name, int index, string extraLabels = "{}", string taints = "[]")
    {
        var labels = JsonNode.Parse(extraLabels)!.AsObject();
        labels["kubernetes.io/hostname"] = name;
        labels["kubernetes.io/os"] = "linux";
        labels["kubernetes.io/arch"] = "amd64";
        Store.Create("nodes", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels },
            ["spec"] = new JsonObject { ["podCIDR"] = $"10.244.{index}.0/24", ["taints"] = JsonNode.Parse(taints) },
            ["status"] = JsonNode.Parse($$"""
                {"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady"}],
                 "addresses":[{"type":"InternalIP","address":"192.168.56.{{10 + index}}"},{"type":"Hostname","address":"{{name}}"}]}
                """),
        });
    }

    /// <summary>Creates a pod as the API server would store it (defaulted, status Pending).</summary>
    public JsonObject CreatePod(string json)
    {
        var pod = JsonNode.Parse(json)!.AsObject();
        pod.Ensure("metadata")["namespace"] ??= "default";
        ObjectDefaults.DefaultPod(pod);
        ObjectDefaults.InitialPodStatus(pod);
        return Store.Create("pods", pod);
    }

    public JsonObject Pod(string name) => Store.Get("pods", "default", name) ?? throw new InvalidOperationException($"pod {name} is gone");

    /// <summary>Polls the pod until the condition holds; fails with the pod's last state after the timeout.</summary>
    public async Task<JsonObject> WaitForPod(string name, Func<JsonObject, bool> condition, double timeoutSeconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        JsonObject? pod = null;
        while (DateTime.UtcNow < deadline)
        {
            pod = Store.Get("pods", "default", name);
            if (pod is not null && condition(pod)) return pod;
            await Task.Delay(10);
        }
        throw new Xunit.Sdk.XunitException($"pod {name} did not reach the expected state; last: {pod?.ToJsonString()}");
    }

    public async Task WaitUntil(Func<bool> condition, string what, double timeoutSeconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (DateTime.UtcNow < deadline)
        {
            if (condition()) return;
            await Task.Delay(10);
        }
        throw new Xunit.Sdk.XunitException($"timed out waiting for {what}");
    }

    public IReadOnlyList<JsonObject> EventsFor(string podName) =>
        Store.List("events", "default").Where(e => (string?)e["involvedObject"]?["name"] == podName).ToList();

    /// <summary>Marks the pod deleted as the API server does for a graceful delete.</summary>
    public void DeleteGracefully(string name, int gracePeriodSeconds)
    {
        Store.Update("pods", "default", name, pod =>
        {
            pod["metadata"]!["deletionTimestamp"] = ClusterClock.FormatTime(Clock.UtcNow);
            pod["metadata"]!["deletionGracePeriodSeconds"] = gracePeriodSeconds;
            return pod;
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Runner.DisposeAsync();
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A directory a test process still held; the temp cleaner gets it.
        }
    }
}

internal static class PodJson
{
    public static string? Phase(this JsonObject pod) => (string?)pod["status"]?["phase"];

    public static JsonObject? ContainerStatus(this JsonObject pod, string name = "app", string list = "containerStatuses") =>
        pod["status"]?[list]?.AsArray().OfType<JsonObject>().FirstOrDefault(s => (string?)s["name"] == name);

    public static string? WaitingReason(this JsonObject pod, string name = "app") => (string?)pod.ContainerStatus(name)?["state"]?["waiting"]?["reason"];

    public static bool IsRunning(this JsonObject pod, string name = "app") => pod.ContainerStatus(name)?["state"]?["running"] is not null;

    public static JsonObject? Condition(this JsonObject pod, string type) =>
        pod["status"]?["conditions"]?.AsArray().OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type);

    /// <summary>True while the process exists and is not a zombie.</summary>
    public static bool ProcessAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
