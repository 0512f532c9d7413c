using k8s;
using k8s.Models;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;
using PodTools.Engine.Namespaces;
using PodTools.TestCluster;

namespace PodTools.Engine.Tests.Namespaces;

/// <summary>One in-process test cluster shared by the namespace service tests (each test uses its own namespaces).</summary>
public sealed class NamespaceClusterFixture : IAsyncLifetime
{
    private readonly ConnectionCache _connections = new();

    public TestClusterHost Host { get; private set; } = null!;

    public KubeConnection Connection { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await TestClusterHost.StartAsync(new TestClusterOptions { TimeScale = 10 });
        Connection = await _connections.GetConnectionAsync(Host.KubeconfigPath, null, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        _connections.Dispose();
        await Host.DisposeAsync();
    }
}

/// <summary>NamespaceService against the test cluster through KubernetesClient and real HTTP.</summary>
public sealed class NamespaceServiceTests(NamespaceClusterFixture cluster) : IClassFixture<NamespaceClusterFixture>
{
    private static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 7)];

    [Theory]
    [InlineData("Bad_Name", "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'")]
    [InlineData("dotted.name", "must not contain dots")]
    [InlineData("-leading", "a lowercase RFC 1123 label")]
    [InlineData("", "name or generateName is required")]
    public void Draft_refuses_names_that_are_not_DNS_1123_labels_with_the_servers_words(string name, string expected)
    {
        var error = Assert.Throws<KubeEngineException>(() => NamespaceService.Draft(name));

        Assert.Equal("InvalidNamespaceName", error.ErrorId);
        Assert.Equal(KubeErrorCategory.InvalidArgument, error.Category);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(name, error.Target);
    }

    [Fact]
    public void Draft_refuses_a_64_character_name_and_invalid_labels()
    {
        Assert.Contains("must be no more than 63 characters",
            Assert.Throws<KubeEngineException>(() => NamespaceService.Draft(new string('a', 64))).Message, StringComparison.Ordinal);
        var error = Assert.Throws<KubeEngineException>(() => NamespaceService.Draft("ok", new Dictionary<string, string> { ["bad key!"] = "v" }));
        Assert.Equal("InvalidLabel", error.ErrorId);
        Assert.Contains("metadata.labels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_stores_the_namespace_Active_with_its_labels_and_a_dry_run_stores_nothing()
    {
        var service = new NamespaceService(cluster.Connection);
        string name = UniqueName("svc-create");

        var dry = await service.CreateAsync(NamespaceService.Draft(name, new Dictionary<string, string> { ["team"] = "web" }), dryRun: true);
        Assert.Equal(name, dry.Name);
        var missing = await Assert.ThrowsAsync<KubeEngineException>(() => service.GetAsync(name));
        Assert.Equal("NamespaceNotFound", missing.ErrorId);

        var created = await service.CreateAsync(NamespaceService.Draft(name, new Dictionary<string, string> { ["team"] = "web" }));
        Assert.Equal("Active", created.Status);
        Assert.Equal("web", created.Labels["team"]);
        Assert.Equal(name, (await service.GetAsync(name)).Name);

        var again = await Assert.ThrowsAsync<KubeEngineException>(() => service.CreateAsync(NamespaceService.Draft(name)));
        Assert.Equal("AlreadyExists", again.ErrorId);
    }

    [Fact]
    public async Task Delete_answers_Terminating_and_the_wait_returns_once_the_namespace_and_its_pods_are_gone()
    {
        var service = new NamespaceService(cluster.Connection);
        string name = UniqueName("svc-delete");
        await service.CreateAsync(NamespaceService.Draft(name));
        var client = cluster.Connection.Client;
        foreach (string pod in new[] { "a", "b" })
        {
            await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = pod },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "nginx" }] },
            }, name);
        }

        Assert.Equal(2, await service.CountPodsAsync(name));
        var terminating = await service.DeleteAsync(name);
        Assert.NotNull(terminating);
        Assert.Equal("Terminating", terminating!.Status);
        Assert.NotNull(terminating.DeletionTimestamp);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await service.WaitUntilDeletedAsync(name, timeout.Token);

        Assert.Equal("NamespaceNotFound", (await Assert.ThrowsAsync<KubeEngineException>(() => service.GetAsync(name))).ErrorId);
        Assert.Empty((await client.CoreV1.ListNamespacedPodAsync(name)).Items);
    }

    [Fact]
    public async Task Waiting_for_a_namespace_that_does_not_exist_returns_at_once()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        await new NamespaceService(cluster.Connection).WaitUntilDeletedAsync("never-existed", timeout.Token);
    }

    [Theory]
    [InlineData("default")]
    [InlineData("kube-system")]
    [InlineData("kube-public")]
    public async Task Deleting_a_system_namespace_surfaces_the_servers_403(string name)
    {
        var error = await Assert.ThrowsAsync<KubeEngineException>(() => new NamespaceService(cluster.Connection).DeleteAsync(name));

        Assert.Equal("Forbidden", error.ErrorId);
        Assert.Equal(KubeErrorCategory.PermissionDenied, error.Category);
        Assert.Equal($"namespaces \"{name}\" is forbidden: this namespace may not be deleted", error.Message);
    }

    [Fact]
    public void ReadManifest_returns_each_namespace_and_marks_other_kinds_with_an_error()
    {
        string file = Path.Combine(Path.GetTempPath(), $"ns-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: from-yaml
              labels:
                team: web
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: not-a-namespace
            spec:
              containers:
              - name: main
                image: nginx
            """);
        try
        {
            var drafts = NamespaceService.ReadManifest(file, new Dictionary<string, string> { ["env"] = "dev" });

            Assert.Equal(2, drafts.Count);
            Assert.Equal("from-yaml", drafts[0].Name);
            Assert.Null(drafts[0].Error);
            Assert.Equal("UnsupportedKind", drafts[1].Error?.ErrorId);
            Assert.Contains($"{file}:8:", drafts[1].Error!.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void ReadManifest_reports_a_syntax_error_with_file_line_and_column()
    {
        string file = Path.Combine(Path.GetTempPath(), $"ns-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: [unclosed\n");
        try
        {
            var error = Assert.Throws<KubeEngineException>(() => NamespaceService.ReadManifest(file));

            Assert.Equal("InvalidManifest", error.ErrorId);
            Assert.Contains(file + ":", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
