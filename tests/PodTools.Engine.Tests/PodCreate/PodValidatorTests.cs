using PodTools.Engine.Errors;
using PodTools.Engine.Pods.Create;

namespace PodTools.Engine.Tests.PodCreate;

public class PodValidatorTests
{
    private static PodDraft Draft(string yaml, string source = "pod.yaml") =>
        Assert.Single(PodDraftBuilder.FromManifestText(yaml, source).Pods);

    [Fact]
    public void A_valid_pod_has_no_problems()
    {
        var draft = Draft("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels:\n    app: web\nspec:\n  containers:\n  - name: c\n    image: nginx\n");

        Assert.Empty(PodValidator.Validate(draft));
    }

    [Fact]
    public void Problems_name_the_line_and_column_of_the_field()
    {
        var draft = Draft("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: Bad_Name
              labels:
                'bad key!': ok
                good: 'bad value!'
              annotations:
                'a b': x
            spec:
              nodeSelector:
                disk: 'no spaces'
              containers:
              - name: Web
                image: nginx
            """);

        var problems = PodValidator.Validate(draft);

        Assert.Equal(["InvalidName", "InvalidLabelKey", "InvalidLabelValue", "InvalidLabelValue", "InvalidAnnotation", "InvalidName"],
            problems.Select(p => p.ErrorId));
        Assert.StartsWith("pod.yaml:4:9: Pod \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain", problems[0].Message);
        Assert.StartsWith("pod.yaml:6:5: Pod \"Bad_Name\" is invalid: metadata.labels: Invalid value: \"bad key!\"", problems[1].Message);
        Assert.StartsWith("pod.yaml:7:11: ", problems[2].Message);
        Assert.StartsWith("pod.yaml:12:11: Pod \"Bad_Name\" is invalid: spec.nodeSelector: Invalid value: \"no spaces\"", problems[3].Message);
        Assert.StartsWith("pod.yaml:14:11: Pod \"Bad_Name\" is invalid: spec.containers[0].name: Invalid value: \"Web\"", problems[5].Message);
        Assert.All(problems, p => Assert.Equal(KubeErrorCategory.InvalidArgument, p.Category));
    }

    [Fact]
    public void Missing_containers_and_images_are_InvalidManifest()
    {
        var none = PodValidator.Validate(Draft("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers: []\n"));
        var noImage = PodValidator.Validate(Draft("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: c\n"));

        Assert.Equal("InvalidManifest", Assert.Single(none).ErrorId);
        Assert.Contains("spec.containers[0].image: Required value", Assert.Single(noImage).Message);
    }

    [Fact]
    public void Duplicate_container_names_are_refused()
    {
        var problems = PodValidator.Validate(Draft("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: c\n    image: a\n  - name: c\n    image: b\n"));

        Assert.Contains("Duplicate value: \"c\"", Assert.Single(problems).Message);
    }

    [Fact]
    public void A_pod_named_after_an_invalid_name_is_reported_once()
    {
        var draft = Assert.Single(PodDraftBuilder.FromParameters(new PodParameters { Name = "Bad_Name", Image = "nginx" }).Pods);

        var problem = Assert.Single(PodValidator.Validate(draft));

        Assert.Equal("InvalidName", problem.ErrorId);
        Assert.StartsWith("Pod \"Bad_Name\" is invalid: metadata.name:", problem.Message);
    }

    [Theory]
    [InlineData(null, null, "ctx", "ctx")]
    [InlineData("b", null, "ctx", "b")]
    [InlineData(null, "a", "ctx", "a")]
    [InlineData("a", "a", "ctx", "a")]
    public void The_namespace_is_decided_as_kubectl_decides_it(string? explicitNamespace, string? manifestNamespace, string contextNamespace, string expected)
    {
        string ns = manifestNamespace is null ? "" : $"\n  namespace: {manifestNamespace}";
        var draft = Draft($"apiVersion: v1\nkind: Pod\nmetadata:\n  name: web{ns}\nspec:\n  containers:\n  - name: c\n    image: nginx\n");

        Assert.Equal(expected, PodCreator.ResolveNamespace(draft, explicitNamespace, contextNamespace));
    }

    [Fact]
    public void A_manifest_namespace_that_differs_from_the_explicit_one_is_refused_with_kubectls_words()
    {
        var draft = Draft("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: a\nspec:\n  containers:\n  - name: c\n    image: nginx\n");

        var error = Assert.Throws<KubeEngineException>(() => PodCreator.ResolveNamespace(draft, "b", "default"));

        Assert.Equal("NamespaceMismatch", error.ErrorId);
        Assert.Equal("the namespace from the provided object \"a\" does not match the namespace \"b\". You must pass '--namespace=a' to perform this operation.", error.Message);
    }
}
