using PodTools.Engine.Connection;

namespace PodTools.Engine.Tests.Connection;

public sealed class KubeconfigEditorTests
{
    private const string WithExecAndExtensions = """
        apiVersion: v1
        kind: Config
        # a comment that must survive
        current-context: admin
        clusters:
        - name: c
          cluster:
            server: https://127.0.0.1:6443
            extensions:
            - name: client.authentication.k8s.io/exec
              extension: {audience: x}
        users:
        - name: u
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1
              command: get-token
              provideClusterInfo: true
        contexts:
        - name: admin
          context: {cluster: c, user: u}
        preferences: {colors: true}
        """;

    [Fact]
    public void ReplacesOnlyTheCurrentContextLine()
    {
        string updated = KubeconfigEditor.SetCurrentContextInText(WithExecAndExtensions, "viewer");

        Assert.Equal(WithExecAndExtensions.Replace("current-context: admin", "current-context: viewer"), updated);
    }

    [Fact]
    public void AddsCurrentContextWhenTheFileHasNone()
    {
        string text = "apiVersion: v1\nkind: Config\n";

        Assert.Equal(text + "current-context: viewer\n", KubeconfigEditor.SetCurrentContextInText(text, "viewer"));
    }

    [Fact]
    public void QuotesNamesThatYamlWouldReadAsSomethingElse()
    {
        string updated = KubeconfigEditor.SetCurrentContextInText("current-context: a\n", "true");

        Assert.Equal("current-context: \"true\"\n", updated);
    }

    [Fact]
    public void KeepsWindowsLineEndings()
    {
        string text = "apiVersion: v1\r\ncurrent-context: a\r\nkind: Config\r\n";

        Assert.Equal("apiVersion: v1\r\ncurrent-context: b\r\nkind: Config\r\n", KubeconfigEditor.SetCurrentContextInText(text, "b"));
    }

    [Theory]
    [InlineData("current-context: a\n")]
    [InlineData("{\"apiVersion\":\"v1\",\"current-context\":\"a\",\"kind\":\"Config\"}")]
    public void WritesContextNamesWithDollarSignsLiterally(string text)
    {
        string updated = KubeconfigEditor.SetCurrentContextInText(text, "team$1-prod");

        Assert.Contains("team$1-prod", updated);
    }

    [Fact]
    public void EditsJsonKubeconfigs()
    {
        string text = """{"apiVersion":"v1","current-context":"a","kind":"Config"}""";

        Assert.Equal("""{"apiVersion":"v1","current-context": "b","kind":"Config"}""", KubeconfigEditor.SetCurrentContextInText(text, "b"));
    }
}
