using System.Text.Json.Nodes;
using PodTools.TestCluster.Api;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Hosting;

/// <summary>What a fresh kubeadm cluster has that the contract names: three namespaces and three Ready nodes.</summary>
internal static class InitialObjects
{
    public static void Create(ClusterStore store)
    {
        foreach (var name in new[] { "default", "kube-system", "kube-public" })
        {
            var ns = new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } };
            ApiDefaults.ApplyToNamespace(ns);
            store.Create("namespaces", ns);
        }
        store.Create("nodes", Node("master001", "10.0.0.10", "10.244.0.0/24", controlPlane: true));
        store.Create("nodes", Node("worker001", "10.0.0.11", "10.244.1.0/24", controlPlane: false));
        store.Create("nodes", Node("worker002", "10.0.0.12", "10.244.2.0/24", controlPlane: false));
    }

    private static JsonObject Node(string name, string internalIp, string podCidr, bool controlPlane)
    {
        var now = ClusterClock.FormatTime(DateTime.UtcNow);
        var labels = new JsonObject
        {
            ["beta.kubernetes.io/arch"] = "amd64",
            ["beta.kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "amd64",
            ["kubernetes.io/hostname"] = name,
            ["kubernetes.io/os"] = "linux",
        };
        var spec = new JsonObject { ["podCIDR"] = podCidr, ["podCIDRs"] = new JsonArray(podCidr) };
        if (controlPlane)
        {
            labels["node-role.kubernetes.io/control-plane"] = "";
            labels["node.kubernetes.io/exclude-from-external-load-balancers"] = "";
            spec["taints"] = new JsonArray(new JsonObject { ["key"] = "node-role.kubernetes.io/control-plane", ["effect"] = "NoSchedule" });
        }
        var resources = new JsonObject
        {
            ["cpu"] = "4",
            ["ephemeral-storage"] = "101203948Ki",
            ["hugepages-1Gi"] = "0",
            ["hugepages-2Mi"] = "0",
            ["memory"] = "16370392Ki",
            ["pods"] = "110",
        };
        JsonObject Condition(string type, string status, string reason, string message) => new()
        {
            ["type"] = type,
            ["status"] = status,
            ["lastHeartbeatTime"] = now,
            ["lastTransitionTime"] = now,
            ["reason"] = reason,
            ["message"] = message,
        };
        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = labels,
                ["annotations"] = new JsonObject
                {
                    ["node.alpha.kubernetes.io/ttl"] = "0",
                    ["volumes.kubernetes.io/controller-managed-attach-detach"] = "true",
                },
            },
            ["spec"] = spec,
            ["status"] = new JsonObject
            {
                ["capacity"] = resources.DeepClone(),
                ["allocatable"] = resources,
                ["conditions"] = new JsonArray(
                    Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status")),
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = internalIp },
                    new JsonObject { ["type"] = "Hostname", ["address"] = name }),
                ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = 10250 } },
                ["nodeInfo"] = new JsonObject
                {
                    ["machineID"] = Guid.NewGuid().ToString("N"),
                    ["systemUUID"] = Guid.NewGuid().ToString(),
                    ["bootID"] = Guid.NewGuid().ToString(),
                    ["kernelVersion"] = "6.8.0-49-generic",
                    ["osImage"] = "Ubuntu 24.04.1 LTS",
                    ["containerRuntimeVersion"] = "containerd://1.7.24",
                    ["kubeletVersion"] = ApiServer.KubernetesVersion,
                    ["kubeProxyVersion"] = ApiServer.KubernetesVersion,
                    ["operatingSystem"] = "linux",
                    ["architecture"] = "amd64",
                },
            },
        };
    }
}
