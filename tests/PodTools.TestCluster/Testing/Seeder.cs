using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Testing;

/// <summary>Body of POST /podtools.test/v1/seed.</summary>
public sealed class SeedRequest
{
    [JsonPropertyName("namespace")] public string Namespace { get; set; } = "default";
    [JsonPropertyName("count")] public int Count { get; set; } = 1;
    [JsonPropertyName("namePrefix")] public string NamePrefix { get; set; } = "seed-";
    [JsonPropertyName("labels")] public Dictionary<string, string> Labels { get; set; } = [];
    [JsonPropertyName("image")] public string Image { get; set; } = "nginx";
}

/// <summary>
/// The benchmark fast path: pods written straight into the store as Running on the worker nodes, with IPs and
/// container statuses, so benchmarks measure the client, not the simulated kubelet.
/// </summary>
public static class Seeder
{
    public static int Seed(ClusterStore store, SeedRequest request)
    {
        if (request.Count < 0 || request.Count > 100_000) throw StatusException.BadRequest("count must be between 0 and 100000");
        var nodes = store.List("nodes")
            .Where(n => n["spec"]?["taints"] is not JsonArray { Count: > 0 })
            .Select(n => (Name: (string)n["metadata"]!["name"]!, Ip: (string?)n["status"]?["addresses"]?[0]?["address"] ?? "10.0.0.1"))
            .ToList();
        if (nodes.Count == 0) throw StatusException.BadRequest("no schedulable node to seed pods on");

        var now = ClusterClock.FormatTime(store.Clock.UtcNow);
        var existing = store.List("pods", request.Namespace).Select(p => (string?)p["metadata"]?["name"]).ToHashSet();
        var index = 0;
        var pods = new List<JsonObject>(request.Count);
        for (var i = 0; i < request.Count; i++)
        {
            string name;
            do name = request.NamePrefix + index++; while (existing.Contains(name));
            var node = nodes[i % nodes.Count];
            // 10.244.0.0/16 gives every seeded pod its own address (a real node CIDR would hold far fewer).
            var podIp = $"10.244.{128 + i / 250 % 128}.{i % 250 + 2}";
            pods.Add(RunningPod(request, name, node.Name, node.Ip, podIp, now));
        }
        return store.CreateManyPods(pods);
    }

    private static JsonObject RunningPod(SeedRequest request, string name, string nodeName, string hostIp, string podIp, string now)
    {
        var labels = new JsonObject();
        foreach (var (key, value) in request.Labels) labels[key] = value;
        var containerName = ContainerName(request.Image);
        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = request.Namespace, ["labels"] = labels },
            ["spec"] = new JsonObject
            {
                ["containers"] = new JsonArray(new JsonObject
                {
                    ["name"] = containerName,
                    ["image"] = request.Image,
                    ["resources"] = new JsonObject(),
                    ["terminationMessagePath"] = "/dev/termination-log",
                    ["terminationMessagePolicy"] = "File",
                    ["imagePullPolicy"] = request.Image.Contains(':') ? "IfNotPresent" : "Always",
                }),
                ["restartPolicy"] = "Always",
                ["terminationGracePeriodSeconds"] = 30,
                ["dnsPolicy"] = "ClusterFirst",
                ["serviceAccountName"] = "default",
                ["serviceAccount"] = "default",
                ["nodeName"] = nodeName,
                ["securityContext"] = new JsonObject(),
                ["schedulerName"] = "default-scheduler",
                ["enableServiceLinks"] = true,
                ["priority"] = 0,
                ["preemptionPolicy"] = "PreemptLowerPriority",
            },
            ["status"] = new JsonObject
            {
                ["phase"] = "Running",
                ["conditions"] = new JsonArray(
                    Condition("PodReadyToStartContainers", now), Condition("Initialized", now), Condition("Ready", now),
                    Condition("ContainersReady", now), Condition("PodScheduled", now)),
                ["hostIP"] = hostIp,
                ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = hostIp }),
                ["podIP"] = podIp,
                ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = podIp }),
                ["startTime"] = now,
                ["containerStatuses"] = new JsonArray(new JsonObject
                {
                    ["name"] = containerName,
                    ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } },
                    ["lastState"] = new JsonObject(),
                    ["ready"] = true,
                    ["restartCount"] = 0,
                    ["image"] = request.Image.Contains(':') ? request.Image : request.Image + ":latest",
                    ["imageID"] = "",
                    ["containerID"] = "containerd://" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
                    ["started"] = true,
                }),
                ["qosClass"] = "BestEffort",
            },
        };
    }

    private static JsonObject Condition(string type, string now) => new()
    {
        ["type"] = type,
        ["status"] = "True",
        ["lastProbeTime"] = null,
        ["lastTransitionTime"] = now,
    };

    // A container named after the image's last path segment, without tag: "nginx" for "docker.io/library/nginx:1.27".
    private static string ContainerName(string image)
    {
        var name = image[(image.LastIndexOf('/') + 1)..];
        var colon = name.IndexOf(':');
        if (colon >= 0) name = name[..colon];
        var at = name.IndexOf('@');
        if (at >= 0) name = name[..at];
        return name.Length == 0 ? "main" : name.ToLowerInvariant();
    }
}
