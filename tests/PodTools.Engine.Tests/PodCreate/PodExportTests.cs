using k8s;
using k8s.Models;
using PodTools.Engine.Model;
using PodTools.Engine.Pods.Create;

namespace PodTools.Engine.Tests.PodCreate;

public class PodExportTests
{
    private static KPod Pod(string name) => KPod.From(KubernetesJson.Deserialize<V1Pod>($$$"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"{{{name}}}","namespace":"prod","uid":"u-{{{name}}}","resourceVersion":"3"},
         "spec":{"nodeName":"worker001","initContainers":[{"name":"init","image":"busybox"}],"containers":[{"name":"c","image":"nginx"}]},
         "status":{"phase":"Running"}}
        """));

    [Fact]
    public void One_pod_is_one_document_without_a_trailing_newline()
    {
        string yaml = PodExport.ToYaml([Pod("a")], clean: false);

        Assert.StartsWith("apiVersion: v1\nkind: Pod\n", yaml);
        Assert.False(yaml.EndsWith('\n'));
    }

    [Fact]
    public void Several_pods_are_a_List_as_kubectl_prints_them()
    {
        string yaml = PodExport.ToYaml([Pod("a"), Pod("b")], clean: false);
        string json = PodExport.ToJson([Pod("a"), Pod("b")], clean: false);

        Assert.StartsWith("apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n", yaml);
        Assert.EndsWith("kind: List\nmetadata:\n  resourceVersion: \"\"", yaml);
        Assert.StartsWith("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        {\n            \"apiVersion\": \"v1\",", json);
        Assert.EndsWith("    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}", json);
        using var parsed = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal(2, parsed.RootElement.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public void Clean_output_can_be_created_anywhere()
    {
        string yaml = PodExport.ToYaml([Pod("a")], clean: true);

        foreach (string field in new[] { "status:", "uid:", "resourceVersion:", "namespace:", "nodeName:" })
        {
            Assert.DoesNotContain(field, yaml);
        }

        Assert.Contains("name: a", yaml);
    }

    [Fact]
    public void Raw_pods_are_written_like_PodTools_pods()
    {
        var pod = Pod("a");

        Assert.Equal(PodExport.ToJson([pod], clean: false), PodExport.ToJson([pod.Object], clean: false));
        Assert.True(PodExport.IsPod(pod.Object));
        Assert.False(PodExport.IsPod("a"));
    }

    [Fact]
    public void Containers_list_init_containers_first()
    {
        var containers = PodExport.Containers(Pod("a"));

        Assert.Equal(["init", "c"], containers.Select(c => c.Name));
        Assert.Equal([true, false], containers.Select(c => c.IsInit));
    }
}
