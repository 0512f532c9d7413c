using k8s.Models;
using PodTools.Engine.Manifests;
using PodTools.Engine.Tests.Fixtures;

namespace PodTools.Engine.Tests.Manifests;

public class ManifestReaderTests
{
    private static string Fixture(string name) => FixtureFiles.PathOf(Path.Combine("manifests", name));

    [Fact]
    public void An_unclosed_flow_collection_is_a_positioned_ManifestException()
    {
        var error = Assert.Throws<ManifestException>(() =>
            ManifestReader.Read("apiVersion: v1\nkind: Pod\nmetadata:\n  labels: [a\nspec: {}\n", "open.yaml"));

        Assert.Equal("open.yaml", error.SourceName);
        Assert.StartsWith("open.yaml:", error.Message);
        Assert.InRange(error.Line, 4, 6);
    }

    [Fact]
    public void Reads_every_document_of_a_multi_document_yaml_file()
    {
        var objects = ManifestReader.ReadFile(Fixture("two-pods.yaml"));

        Assert.Equal(["web", "sidecar"], objects.Select(o => o.Object.Metadata.Name));
        var sidecar = Assert.IsType<V1Pod>(objects[1].Object);
        Assert.Equal(["app", "log"], sidecar.Spec.Containers.Select(c => c.Name));
        Assert.Equal(["sleep", "3600"], sidecar.Spec.Containers[0].Command);
        Assert.Equal(80, ((V1Pod)objects[0].Object).Spec.Containers[0].Ports[0].ContainerPort);
        Assert.Equal((2, 15), (objects[0].Line, objects[1].Line));
        Assert.Equal(Fixture("two-pods.yaml"), objects[0].SourceName);
    }

    [Fact]
    public void Expands_the_items_of_a_List()
    {
        var objects = ManifestReader.ReadFile(Fixture("list.yaml"));

        Assert.Equal(["Namespace", "Pod"], objects.Select(o => o.Kind));
        Assert.IsType<V1Namespace>(objects[0].Object);
        Assert.Equal("team-a", Assert.IsType<V1Pod>(objects[1].Object).Metadata.NamespaceProperty);
        Assert.Equal((4, 3), (objects[0].Line, objects[0].Column));
        Assert.Equal(8, objects[1].Line);
    }

    [Fact]
    public void Reads_a_List_as_kubectl_get_o_yaml_prints_it()
    {
        const string yaml = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: a\n\n  # between\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: b\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";

        var objects = ManifestReader.Read(yaml, "list.yaml");

        Assert.Equal(["a", "b"], objects.Select(o => o.Object.Metadata.Name));
    }

    [Fact]
    public void An_error_inside_a_List_item_points_into_the_file()
    {
        const string yaml = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata:\n      name: a\n  - apiVersion: v1\n    kind: Pod\n    spec:\n      containerz: []\n";

        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read(yaml, "list.yaml"));

        Assert.Equal((11, 7), (error.Line, error.Column));
        Assert.Contains("containerz", error.Detail);
    }

    [Fact]
    public void Reads_json()
    {
        var pod = Assert.IsType<V1Pod>(Assert.Single(ManifestReader.ReadFile(Fixture("pod.json"))).Object);

        Assert.Equal("json-pod", pod.Metadata.Name);
        Assert.Equal("nginx", pod.Spec.Containers[0].Image);
    }

    [Fact]
    public void Reads_a_json_List()
    {
        const string json = """
            {"apiVersion": "v1", "kind": "List", "items": [
              {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}},
              {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}}
            ]}
            """;

        var objects = ManifestReader.Read(json, "list.json");

        Assert.Equal(["a", "b"], objects.Select(o => o.Object.Metadata.Name));
        Assert.Equal(3, objects[1].Line);
    }

    public static TheoryData<string, int, int, string> BrokenFiles => new()
    {
        { "bad-syntax.yaml", 5, 10, "found invalid mapping" },
        { "unknown-field.yaml", 14, 5, "imagePullPolicee" },
        { "bad-syntax.json", 4, 30, "" },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void Errors_name_the_file_line_and_column(string file, int line, int column, string detailPart)
    {
        var error = Assert.Throws<ManifestException>(() => ManifestReader.ReadFile(Fixture(file)));

        Assert.Equal(Fixture(file), error.SourceName);
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.True(error.Detail.Contains(detailPart), error.Detail);
        Assert.StartsWith($"{Fixture(file)}:{line}:{column}: ", error.Message);
    }

    [Theory]
    [InlineData("apiVersion: v1\nmetadata:\n  name: x\n", "error validating data: [kind not set]")]
    [InlineData("kind: Pod\nmetadata:\n  name: x\n", "error validating data: [apiVersion not set]")]
    [InlineData("metadata:\n  name: x\n", "error validating data: [apiVersion not set, kind not set]")]
    public void Missing_kind_or_apiVersion_is_refused_like_kubectl(string yaml, string detail)
    {
        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read(yaml, "inline"));

        Assert.Equal(detail, error.Detail);
        Assert.Equal((1, 1), (error.Line, error.Column));
    }

    [Fact]
    public void An_unsupported_kind_points_at_the_kind()
    {
        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read("---\napiVersion: apps/v1\nkind: Deployment\n", "deploy.yaml"));

        Assert.Equal((3, 7), (error.Line, error.Column));
        Assert.StartsWith("no matches for kind \"Deployment\" in version \"apps/v1\"", error.Detail);
    }

    [Fact]
    public void A_wrong_value_type_points_at_the_value()
    {
        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers: 5\n", "p.yaml"));

        Assert.Equal(6, error.Line);
    }

    [Fact]
    public void An_invalid_document_separator_is_refused()
    {
        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read("apiVersion: v1\nkind: Pod\n--- nope\n", "p.yaml"));

        Assert.Equal(3, error.Line);
        Assert.Equal("invalid Yaml document separator: nope", error.Detail);
    }

    [Fact]
    public void A_scalar_document_is_not_an_object()
    {
        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read("just text\n", "p.yaml"));

        Assert.Equal("expected an object with apiVersion and kind", error.Detail);
    }

    [Fact]
    public void Empty_text_and_comment_only_documents_give_nothing()
    {
        Assert.Empty(ManifestReader.Read("", "empty.yaml"));
        Assert.Empty(ManifestReader.Read("# only a comment\n---\n---\n", "comments.yaml"));
    }
}
