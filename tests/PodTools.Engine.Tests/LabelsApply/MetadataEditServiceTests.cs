using k8s;
using k8s.Models;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;
using PodTools.Engine.Labels;
using PodTools.Engine.Labels.Apply;
using PodTools.Engine.Model;
using PodTools.Engine.Pods;
using PodTools.TestCluster;

namespace PodTools.Engine.Tests.LabelsApply;

/// <summary>The label edit service against the in-process test cluster, checking the requests it sends.</summary>
public sealed class MetadataEditServiceTests : IAsyncLifetime
{
    private TestClusterHost _host = null!;
    private ConnectionCache _cache = null!;
    private KubeConnection _connection = null!;
    private const string Ns = "default";

    public async Task InitializeAsync()
    {
        _host = await TestClusterHost.StartAsync(new TestClusterOptions());
        _cache = new ConnectionCache();
        _connection = await _cache.GetConnectionAsync(_host.KubeconfigPath, null, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        _cache.Dispose();
        await _host.DisposeAsync();
    }

    private async Task<V1Pod> CreatePodAsync(string name, Dictionary<string, string> labels) =>
        await _connection.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "nginx" }] },
        }, Ns);

    private IReadOnlyList<string> Writes() =>
        _host.Requests.Entries.Where(e => e.Method is "PATCH" or "PUT" or "POST" or "DELETE").Select(e => $"{e.Method} {e.Path}").ToList();

    private MetadataEditService Labels(Dictionary<string, string?> set, bool overwrite = false, string[]? remove = null) =>
        new(_connection, MetadataResource.Pod, LabelChange.ForLabels(set, remove, overwrite));

    [Fact]
    public async Task Reads_a_named_pod_first_when_the_overwrite_check_needs_its_labels_and_refuses_a_conflict_without_patching()
    {
        await CreatePodAsync("conflict", new() { ["env"] = "dev" });
        _host.Requests.Clear();

        var error = await Assert.ThrowsAsync<KubeEngineException>(() =>
            Labels(new() { ["env"] = "prod" }).ApplyAsync(new MetadataTarget(MetadataResource.Pod, "conflict", Ns)));

        Assert.Equal("LabelExists", error.ErrorId);
        Assert.Equal(KubeErrorCategory.ResourceExists, error.Category);
        Assert.EndsWith("'env' already has a value (dev), and --overwrite is false", error.Message);
        Assert.Empty(Writes());
        Assert.Single(_host.Requests.Entries, e => e.Method == "GET");
    }

    [Fact]
    public async Task Patches_a_named_pod_without_reading_it_when_overwrite_is_on()
    {
        await CreatePodAsync("blind", new() { ["env"] = "dev" });
        _host.Requests.Clear();

        var result = await Labels(new() { ["env"] = "prod", ["tier"] = "fe" }, overwrite: true)
            .ApplyAsync(new MetadataTarget(MetadataResource.Pod, "blind", Ns));

        Assert.True(result.Changed);
        Assert.Equal("prod", ((KPod)result.Output!).Labels["env"]);
        Assert.Equal(["PATCH /api/v1/namespaces/default/pods/blind"], Writes());
        Assert.DoesNotContain(_host.Requests.Entries, e => e.Method == "GET");
    }

    [Fact]
    public async Task Sends_a_merge_patch_that_keeps_labels_set_by_others_in_the_meantime()
    {
        var pod = KPod.From(await CreatePodAsync("merge", new() { ["app"] = "web" }));
        // Someone else adds a label after we read the pod.
        await _connection.Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"metadata":{"labels":{"other":"x"}}}""", V1Patch.PatchType.MergePatch), "merge", Ns);

        await Labels(new() { ["tier"] = "fe", ["app"] = null }).ApplyAsync(MetadataTarget.FromPod(pod));

        var after = await _connection.Client.CoreV1.ReadNamespacedPodAsync("merge", Ns);
        Assert.Equal(new Dictionary<string, string> { ["other"] = "x", ["tier"] = "fe" }, after.Metadata.Labels);
    }

    [Fact]
    public async Task Sends_nothing_for_a_pod_that_already_has_the_requested_labels()
    {
        var pod = KPod.From(await CreatePodAsync("noop", new() { ["app"] = "web" }));
        _host.Requests.Clear();

        var result = await Labels(new() { ["app"] = "web", ["gone"] = null }).ApplyAsync(MetadataTarget.FromPod(pod));

        Assert.False(result.Changed);
        Assert.Same(pod, result.Output);
        Assert.Empty(_host.Requests.Entries);
    }

    [Fact]
    public async Task A_resource_version_precondition_turns_a_concurrent_change_into_Conflict()
    {
        var pod = KPod.From(await CreatePodAsync("stale", new() { ["app"] = "web" }));
        await _connection.Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"metadata":{"labels":{"moved":"on"}}}""", V1Patch.PatchType.MergePatch), "stale", Ns);
        var target = MetadataTarget.FromPod(pod);

        var error = await Assert.ThrowsAsync<KubeEngineException>(() => Labels(new() { ["tier"] = "fe" }).ApplyAsync(target, target.ResourceVersion));

        Assert.Equal("Conflict", error.ErrorId);
        Assert.Equal(409, error.StatusCode);
    }

    [Fact]
    public async Task A_missing_pod_is_PodNotFound()
    {
        var error = await Assert.ThrowsAsync<KubeEngineException>(() =>
            Labels(new() { ["a"] = "b" }, overwrite: true).ApplyAsync(new MetadataTarget(MetadataResource.Pod, "missing", Ns)));

        Assert.Equal("PodNotFound", error.ErrorId);
    }

    [Fact]
    public async Task Lists_by_selector_page_by_page_with_the_current_labels()
    {
        for (int i = 0; i < 5; i++)
        {
            await CreatePodAsync($"list-{i}", new() { ["app"] = "list", ["n"] = i.ToString() });
        }

        var pages = new List<IReadOnlyList<MetadataTarget>>();
        await foreach (var page in Labels(new() { ["x"] = "y" }).ListAsync(Ns, "app=list,n notin (0)", pageSize: 2))
        {
            pages.Add(page);
        }

        Assert.Equal([2, 2], pages.Select(p => p.Count));
        Assert.All(pages.SelectMany(p => p), t => Assert.Equal("list", t.Labels!["app"]));
        Assert.IsType<KPod>(pages[0][0].Source);
    }

    [Fact]
    public async Task Asks_for_the_metadata_alone_unless_the_objects_are_returned()
    {
        await CreatePodAsync("answer", new() { ["app"] = "answer" });
        var target = new MetadataTarget(MetadataResource.Pod, "answer", Ns);
        _host.Requests.Clear();

        var quiet = await new MetadataEditService(_connection, MetadataResource.Pod, LabelChange.ForLabels([new("a", "1")]))
        {
            ReturnObjects = false,
        }.ApplyAsync(target);
        var returned = await Labels(new() { ["b"] = "2" }).ApplyAsync(target);

        Assert.Null(quiet.Output);
        Assert.Equal("nginx", ((KPod)returned.Output!).Containers.Single().Image);
        var accepts = _host.Requests.Entries.Where(e => e.Method == "PATCH").Select(e => e.Accept).ToList();
        Assert.Equal(2, accepts.Count);
        Assert.Contains("as=PartialObjectMetadata", accepts[0]);
        Assert.DoesNotContain("PartialObjectMetadata", accepts[1]);
    }

    [Fact]
    public async Task Lists_a_short_first_page_then_full_pages_by_default()
    {
        await Task.WhenAll(Enumerable.Range(0, 60).Select(i => CreatePodAsync($"paged-{i}", new() { ["app"] = "paged" })));
        _host.Requests.Clear();

        var pages = new List<IReadOnlyList<MetadataTarget>>();
        await foreach (var page in Labels(new() { ["x"] = "y" }).ListAsync(Ns, "app=paged"))
        {
            pages.Add(page);
        }

        Assert.Equal([PodService.DefaultFirstPageSize, 10], pages.Select(p => p.Count));
        var limits = _host.Requests.Entries.Where(e => e.Method == "GET" && e.Path == $"/api/v1/namespaces/{Ns}/pods")
            .Select(e => System.Web.HttpUtility.ParseQueryString(e.Query)["limit"]);
        Assert.Equal(["50", "500"], limits);
    }

    [Fact]
    public async Task Edits_node_labels_with_the_same_rules()
    {
        var service = new MetadataEditService(_connection, MetadataResource.Node, LabelChange.ForLabels([new("gpu", "true")]));
        var result = await service.ApplyAsync(new MetadataTarget(MetadataResource.Node, "worker001", null));
        Assert.Equal("true", ((KNode)result.Output!).Labels["gpu"]);

        var refuse = new MetadataEditService(_connection, MetadataResource.Node, LabelChange.ForLabels([new("gpu", "false")]));
        var error = await Assert.ThrowsAsync<KubeEngineException>(() => refuse.ApplyAsync(new MetadataTarget(MetadataResource.Node, "worker001", null)));
        Assert.Equal("node 'worker001': 'gpu' already has a value (true), and --overwrite is false", error.Message);
    }
}
