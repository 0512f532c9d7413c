using PodTools.Engine.Connection;
using PodTools.Engine.Errors;

namespace PodTools.Engine.Tests.Connection;

public sealed class KubeconfigSetTests : IDisposable
{
    private readonly KubeconfigTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void FirstFileThatDefinesAContextNameWins()
    {
        string first = _files.Write("first", KubeconfigTestFiles.Config(null, ("shared", "c1", "u1", "from-first", "https://first:6443")));
        string second = _files.Write("second", KubeconfigTestFiles.Config(null,
            ("shared", "c2", "u2", "from-second", "https://second:6443"), ("only-second", "c2", "u2", null, "https://second:6443")));

        var set = KubeconfigSet.Load([first, second]);

        var contexts = set.GetContexts();
        Assert.Equal(["shared", "only-second"], contexts.Select(c => c.Name));
        var shared = contexts[0];
        Assert.Equal("from-first", shared.Namespace);
        Assert.Equal("c1", shared.Cluster);
        Assert.Equal(first, shared.Kubeconfig);
        Assert.Equal(second, contexts[1].Kubeconfig);
    }

    [Fact]
    public void FirstFileThatDefinesAClusterNameWinsEvenForAContextFromALaterFile()
    {
        string first = _files.Write("first", KubeconfigTestFiles.Config(null, ("a", "shared-cluster", "u1", null, "https://first:6443")));
        string second = _files.Write("second", KubeconfigTestFiles.Config(null, ("b", "shared-cluster", "u1", null, "https://second:6443")));

        var set = KubeconfigSet.Load([first, second]);

        Assert.Equal("https://first:6443", set.ResolveContext("b").Server);
    }

    [Fact]
    public void CurrentContextComesFromTheFirstFileThatSetsOne()
    {
        string none = _files.Write("none", KubeconfigTestFiles.Config(null, ("x", "c", "u", null, "https://s:1")));
        string first = _files.Write("first", KubeconfigTestFiles.Config("y", ("y", "c", "u", null, "https://s:1")));
        string second = _files.Write("second", KubeconfigTestFiles.Config("x", ("z", "c", "u", null, "https://s:1")));

        var set = KubeconfigSet.Load([none, first, second]);

        Assert.Equal("y", set.CurrentContext);
        Assert.Equal("y", set.ResolveContext(null).Name);
        Assert.True(set.GetContexts().Single(c => c.Name == "y").IsCurrent);
    }

    [Fact]
    public void MissingFilesInTheListAreSkipped()
    {
        string real = _files.Write("real", KubeconfigTestFiles.Config("a", ("a", "c", "u", null, "https://s:1")));

        var set = KubeconfigSet.Load([Path.Combine(_files.Directory, "absent"), real]);

        Assert.Equal(["a"], set.ContextNames);
        Assert.Equal(real, set.FileToModify);
    }

    [Fact]
    public void ContextNamespaceIsTheDefaultNamespaceAndDefaultsToDefault()
    {
        string path = _files.Write("config", KubeconfigTestFiles.Config("a",
            ("a", "c", "u", "team-a", "https://s:1"), ("b", "c", "u", null, "https://s:1")));

        var set = KubeconfigSet.Load([path]);

        Assert.Equal("team-a", set.ResolveContext("a").Namespace);
        Assert.Equal("default", set.ResolveContext("b").Namespace);
    }

    [Fact]
    public void NamedContextOverridesTheCurrentContext()
    {
        string path = _files.Write("config", KubeconfigTestFiles.Config("a",
            ("a", "c", "u", null, "https://s:1"), ("b", "c", "u", null, "https://s:1")));

        Assert.Equal("b", KubeconfigSet.Load([path]).ResolveContext("b").Name);
    }

    [Fact]
    public void UnknownContextIsContextNotFound()
    {
        string path = _files.Write("config", KubeconfigTestFiles.Config("a", ("a", "c", "u", null, "https://s:1")));

        var error = Assert.Throws<KubeEngineException>(() => KubeconfigSet.Load([path]).ResolveContext("nope"));

        Assert.Equal("ContextNotFound", error.ErrorId);
        Assert.Equal(KubeErrorCategory.ObjectNotFound, error.Category);
        Assert.Equal("nope", error.Target);
    }

    [Fact]
    public void NoCurrentContextAndNoNameIsNoCurrentContext()
    {
        string path = _files.Write("config", KubeconfigTestFiles.Config(null, ("a", "c", "u", null, "https://s:1")));

        var error = Assert.Throws<KubeEngineException>(() => KubeconfigSet.Load([path]).ResolveContext(null));

        Assert.Equal("NoCurrentContext", error.ErrorId);
    }

    [Fact]
    public void NoExistingFileIsKubeconfigNotFound()
    {
        var error = Assert.Throws<KubeEngineException>(() =>
            KubeconfigSet.Load([Path.Combine(_files.Directory, "absent")]).ResolveContext(null));

        Assert.Equal("KubeconfigNotFound", error.ErrorId);
    }

    [Fact]
    public void RelativeCertificatePathsResolveAgainstTheDirectoryOfTheFileThatHoldsThem()
    {
        // The CA lives next to the kubeconfig in a subdirectory; the process's working directory is elsewhere.
        string caPem = TestCertificates.SelfSignedPem();
        _files.Write(Path.Combine("sub", "certs", "ca.crt"), caPem);
        string path = _files.Write(Path.Combine("sub", "config"), """
            apiVersion: v1
            kind: Config
            current-context: a
            clusters:
            - name: c
              cluster:
                server: https://127.0.0.1:6443
                certificate-authority: certs/ca.crt
            users:
            - name: u
              user:
                tokenFile: secrets/token
            contexts:
            - name: a
              context: {cluster: c, user: u}
            """);
        _files.Write(Path.Combine("sub", "secrets", "token"), "file-token\n");

        var set = KubeconfigSet.Load([path]);
        var (configuration, _, tokenFile) = set.BuildClientConfiguration(set.ResolveContext(null));

        Assert.Single(configuration.SslCaCerts);
        Assert.Equal(Path.Combine(_files.Directory, "sub", "secrets", "token"), tokenFile);
    }

    [Fact]
    public void ExecBlockIsReturnedForThePluginRunnerAndNotGivenToTheLibrary()
    {
        string path = _files.Write("config", """
            apiVersion: v1
            kind: Config
            current-context: a
            clusters:
            - name: c
              cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}
            users:
            - name: u
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: ./bin/get-token
                  args: [--cluster, c]
                  env: [{name: MODE, value: test}]
            contexts:
            - name: a
              context: {cluster: c, user: u}
            """);

        var set = KubeconfigSet.Load([path]);
        var (configuration, exec, _) = set.BuildClientConfiguration(set.ResolveContext(null));

        Assert.NotNull(exec);
        Assert.Equal(Path.Combine(_files.Directory, "bin", "get-token"), exec!.Command);
        Assert.Equal(["--cluster", "c"], exec.Arguments);
        Assert.Null(configuration.TokenProvider);
        Assert.True(configuration.SkipTlsVerify);
    }

    [Fact]
    public void TlsIsVerifiedUnlessTheKubeconfigSkipsIt()
    {
        string path = _files.Write("config", $$"""
            apiVersion: v1
            kind: Config
            current-context: a
            clusters:
            - name: c
              cluster:
                server: https://127.0.0.1:6443
                certificate-authority-data: {{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(TestCertificates.SelfSignedPem()))}}
            users:
            - name: u
              user: {token: abc}
            contexts:
            - name: a
              context: {cluster: c, user: u}
            """);

        var set = KubeconfigSet.Load([path]);
        var (configuration, _, _) = set.BuildClientConfiguration(set.ResolveContext(null));

        Assert.False(configuration.SkipTlsVerify);
        Assert.Single(configuration.SslCaCerts);
        Assert.Equal("abc", configuration.AccessToken);
    }
}
