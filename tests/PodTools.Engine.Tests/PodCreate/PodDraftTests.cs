using k8s;
using k8s.Models;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;
using PodTools.Engine.Pods.Create;

namespace PodTools.Engine.Tests.PodCreate;

public class PodDraftTests
{
    private const string TwoPods = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: first
          labels:
            app: web
        spec:
          containers:
          - name: web
            image: nginx
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: second
          namespace: team-a
        spec:
          containers:
          - name: c
            image: busybox
        """;

    [Fact]
    public void Manifest_text_gives_one_draft_per_pod_with_its_position()
    {
        var batch = PodDraftBuilder.FromManifestText(TwoPods, "pods.yaml");

        Assert.Empty(batch.Errors);
        Assert.Equal(["first", "second"], batch.Pods.Select(p => p.Name));
        Assert.Equal("pods.yaml:1:1", batch.Pods[0].Source);
        Assert.Equal("pods.yaml:12:1", batch.Pods[1].Source);
        Assert.Null(batch.Pods[0].ManifestNamespace);
        Assert.Equal("team-a", batch.Pods[1].ManifestNamespace);
    }

    [Fact]
    public void A_syntax_error_is_InvalidManifest_with_file_line_and_column()
    {
        var batch = PodDraftBuilder.FromManifestText("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: 1\n", "bad.yaml");

        var error = Assert.Single(batch.Errors);
        Assert.Equal("InvalidManifest", error.ErrorId);
        Assert.Equal(KubeErrorCategory.InvalidData, error.Category);
        Assert.Matches(@"^bad\.yaml:5:\d+: ", error.Message);
        Assert.Empty(batch.Pods);
    }

    [Fact]
    public void An_unclosed_flow_collection_is_InvalidManifest_not_a_crash()
    {
        var batch = PodDraftBuilder.FromManifestText("apiVersion: v1\nkind: Pod\nmetadata:\n  labels: [a\n", "open.yaml");

        Assert.Equal("InvalidManifest", Assert.Single(batch.Errors).ErrorId);
    }

    [Fact]
    public void A_kind_other_than_Pod_is_an_error_for_that_object_only()
    {
        var batch = PodDraftBuilder.FromManifestText("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n---\n" + TwoPods, "mixed.yaml");

        Assert.Equal(2, batch.Pods.Count);
        Assert.StartsWith("mixed.yaml:1:1: a Namespace is not a Pod", Assert.Single(batch.Errors).Message);
    }

    [Fact]
    public void A_map_shaped_like_a_pod_needs_no_apiVersion_or_kind()
    {
        var map = new Dictionary<string, object?>
        {
            ["metadata"] = new Dictionary<string, object?> { ["name"] = "from-map" },
            ["spec"] = new Dictionary<string, object?>
            {
                ["containers"] = new List<object?> { new Dictionary<string, object?> { ["name"] = "c", ["image"] = "nginx", ["ports"] = new List<object?> { new Dictionary<string, object?> { ["containerPort"] = 80 } } } },
            },
        };

        var draft = Assert.Single(PodDraftBuilder.FromInputObject(map).Pods);

        Assert.Equal("from-map", draft.Name);
        Assert.Equal(80, draft.Pod.Spec.Containers[0].Ports[0].ContainerPort);
    }

    [Fact]
    public void An_unknown_field_in_a_map_is_refused()
    {
        var map = new Dictionary<string, object?> { ["metadata"] = new Dictionary<string, object?> { ["name"] = "x" }, ["spek"] = 1 };

        var error = Assert.Single(PodDraftBuilder.FromInputObject(map).Errors);

        Assert.Equal("InvalidManifest", error.ErrorId);
        Assert.Contains("spek", error.Message);
    }

    [Fact]
    public void Parameters_name_the_image_container_after_the_pod_and_keep_env_order()
    {
        var batch = PodDraftBuilder.FromParameters(new PodParameters
        {
            Name = "web",
            Image = "nginx",
            Ports = [80],
            Env = [new("B", "2"), new("A", "1")],
            Labels = [new("app", "web")],
            NodeSelector = [new("disk", "ssd")],
            RestartPolicy = "Never",
            Containers = [new KContainerSpec { Name = "side", Image = "busybox", Arguments = ["sleep", "1"] }],
        });

        var pod = Assert.Single(batch.Pods).Pod;
        Assert.Equal(["web", "side"], pod.Spec.Containers.Select(c => c.Name));
        Assert.Equal(["B", "A"], pod.Spec.Containers[0].Env.Select(e => e.Name));
        Assert.Equal(["sleep", "1"], pod.Spec.Containers[1].Args);
        Assert.Equal("ssd", pod.Spec.NodeSelector["disk"]);
        Assert.Equal("Never", pod.Spec.RestartPolicy);
        Assert.Equal("web", pod.Metadata.Labels["app"]);
    }

    [Fact]
    public void A_bad_container_map_names_its_entry()
    {
        var batch = PodDraftBuilder.FromParameters(new PodParameters
        {
            Name = "web",
            Containers = [new Dictionary<string, object?> { ["name"] = "a", ["imag"] = "nginx" }],
        });

        Assert.StartsWith("-Container[0]: ", Assert.Single(batch.Errors).Message);
    }

    [Fact]
    public void A_clone_leaves_out_what_the_server_set_and_where_the_pod_ran()
    {
        var pod = KubernetesJson.Deserialize<V1Pod>("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"prod","uid":"u1","resourceVersion":"7",
             "creationTimestamp":"2026-11-28T10:00:00Z","labels":{"app":"web"},
             "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u0"}],
             "managedFields":[{"manager":"kubectl"}]},
             "spec":{"nodeName":"worker001","containers":[{"name":"web","image":"nginx"}]},
             "status":{"phase":"Running"}}
            """);

        var copy = PodDraftBuilder.CloneForCreate(pod);

        Assert.Null(copy.Status);
        Assert.Null(copy.Metadata.Uid);
        Assert.Null(copy.Metadata.ResourceVersion);
        Assert.Null(copy.Metadata.CreationTimestamp);
        Assert.Null(copy.Metadata.ManagedFields);
        Assert.Null(copy.Metadata.OwnerReferences);
        Assert.Null(copy.Metadata.NamespaceProperty);
        Assert.Null(copy.Spec.NodeName);
        Assert.Equal("web", copy.Metadata.Labels["app"]);
        Assert.Equal("prod", pod.Metadata.NamespaceProperty);
    }
}
