using k8s;
using k8s.Models;
using PodTools.Engine.Manifests;

namespace PodTools.Engine.Tests.Manifests;

public class ManifestWriterTests
{
    private static V1Pod ServerPod() => KubernetesJson.Deserialize<V1Pod>("""
        {
          "apiVersion": "v1", "kind": "Pod",
          "metadata": {
            "name": "web", "namespace": "default", "uid": "0b5c", "resourceVersion": "42", "generation": 1,
            "creationTimestamp": "2026-11-28T10:00:00Z", "selfLink": "/api/v1/namespaces/default/pods/web",
            "labels": {"app": "web"},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "team": "a & b <c>"},
            "managedFields": [{"manager": "kubectl", "operation": "Update", "apiVersion": "v1"}]
          },
          "spec": {"containers": [{"name": "web", "image": "nginx", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]},
          "status": {"phase": "Running", "podIP": "10.0.0.5"}
        }
        """);

    [Fact]
    public void Yaml_is_shaped_like_kubectl_get_o_yaml()
    {
        string yaml = ManifestWriter.ToYaml(ServerPod());

        Assert.StartsWith("apiVersion: v1\nkind: Pod\nmetadata:\n", yaml.ReplaceLineEndings("\n"));
        Assert.Contains("\n  containers:\n  - image: nginx\n    name: web\n", yaml.ReplaceLineEndings("\n"));
        Assert.Contains("status:\n  phase: Running\n", yaml.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Clean_yaml_strips_what_the_server_owns()
    {
        string yaml = ManifestWriter.ToYaml(ServerPod(), clean: true);

        foreach (var field in new[] { "status:", "managedFields", "uid:", "resourceVersion", "creationTimestamp", "generation", "selfLink", "last-applied-configuration" })
        {
            Assert.DoesNotContain(field, yaml);
        }
        Assert.Contains("team: a & b <c>", yaml);
        Assert.Contains("app: web", yaml);
    }

    [Fact]
    public void Clean_leaves_the_original_untouched()
    {
        var pod = ServerPod();

        ManifestWriter.Clean(pod);

        Assert.Equal("42", pod.Metadata.ResourceVersion);
        Assert.NotNull(pod.Status);
        Assert.Equal(2, pod.Metadata.Annotations.Count);
    }

    [Fact]
    public void Clean_drops_the_annotations_map_when_only_last_applied_was_there()
    {
        var pod = ServerPod();
        pod.Metadata.Annotations.Remove("team");

        Assert.Null(ManifestWriter.Clean(pod).Metadata.Annotations);
    }

    [Fact]
    public void Json_is_indented_with_four_spaces_and_escapes_html_like_go()
    {
        string json = ManifestWriter.ToJson(ServerPod());

        Assert.StartsWith("{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"Pod\",\n    \"metadata\": {\n", json);
        Assert.Contains("\"team\": \"a \\u0026 b \\u003cc\\u003e\"", json);
        Assert.Contains("\"containerPort\": 80,", json);
        Assert.EndsWith("}\n", json);
    }

    [Fact]
    public void Cleaned_output_reads_back_as_the_same_pod()
    {
        var pod = ServerPod();

        var fromYaml = Assert.IsType<V1Pod>(Assert.Single(ManifestReader.Read(ManifestWriter.ToYaml(pod, clean: true), "out.yaml")).Object);
        var fromJson = Assert.IsType<V1Pod>(Assert.Single(ManifestReader.Read(ManifestWriter.ToJson(pod, clean: true), "out.json")).Object);

        Assert.Equal(KubernetesJson.Serialize(ManifestWriter.Clean(pod)), KubernetesJson.Serialize(fromYaml));
        Assert.Equal(KubernetesJson.Serialize(ManifestWriter.Clean(pod)), KubernetesJson.Serialize(fromJson));
    }

    [Fact]
    public void Namespaces_are_written_and_cleaned_too()
    {
        var ns = new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = "team-a", Uid = "1" }, Status = new V1NamespaceStatus { Phase = "Active" } };

        string yaml = ManifestWriter.ToYaml(ns, clean: true);

        Assert.Equal("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a", yaml.ReplaceLineEndings("\n").TrimEnd());
    }
}
