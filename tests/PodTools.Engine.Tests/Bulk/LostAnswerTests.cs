using k8s;
using k8s.Models;
using PodTools.Engine.Bulk;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;
using PodTools.Engine.Labels;
using PodTools.Engine.Labels.Apply;
using PodTools.Engine.Model;
using PodTools.Engine.Pods.Create;
using PodTools.TestCluster;
using PodTools.TestCluster.Testing;

namespace PodTools.Engine.Tests.Bulk;

/// <summary>One in-process cluster for the lost-answer tests; each test uses its own pod names and clears the faults.</summary>
public sealed class LostAnswerCluster : IAsyncLifetime
{
    private readonly ConnectionCache _cache = new();

    public TestClusterHost Host { get; private set; } = null!;

    public KubeConnection Connection { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // Sped up so pods become ready quickly.
        Host = await TestClusterHost.StartAsync(new TestClusterOptions { TimeScale = 30 });
        Connection = await _cache.GetConnectionAsync(Host.KubeconfigPath, null, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        _cache.Dispose();
        await Host.DisposeAsync();
    }
}

/// <summary>
/// Retries after the server carried a request out but its answer was lost (the test cluster's "after" faults):
/// the retry's 409 must not be reported as a failure when it is the echo of our own write, and must still be
/// when it is not.
/// </summary>
public sealed class LostAnswerTests(LostAnswerCluster cluster) : IClassFixture<LostAnswerCluster>, IAsyncLifetime
{
    private const string Ns = "default";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private KubeConnection Connection => cluster.Connection;

    private FaultInjector Faults => cluster.Host.Faults;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Faults.Clear();
        return Task.CompletedTask;
    }

    private static BulkOptions Options(TimeProvider? time = null) => new()
    {
        BaseDelay = TimeSpan.FromMilliseconds(10),
        MaxDelay = TimeSpan.FromMilliseconds(100),
        TimeProvider = time ?? TimeProvider.System,
    };

    // The fault hits the first matching request only; After: the server carries it out and the client gets the fault.
    private void LoseFirstAnswer(string verb, int status = 503, bool after = true) =>
        Faults.Set(new FaultSettings { Rules = [new FaultRule { Verb = verb, Status = status, After = after, Times = 1 }] });

    private static async Task<BulkOutcome<TItem, TResult>> RunOneAsync<TItem, TResult>(TItem item,
        Func<TItem, CancellationToken, Task<TResult>> operation, BulkOptions options)
    {
        var run = BulkRunner.Start([item], operation, options);
        var outcomes = new List<BulkOutcome<TItem, TResult>>();
        await foreach (var outcome in run.Outcomes.ReadAllAsync(new CancellationTokenSource(Patience).Token))
        {
            outcomes.Add(outcome);
        }

        return Assert.Single(outcomes);
    }

    // Returns the pod once it is ready: the scheduler and kubelet have stopped moving its resourceVersion, so a
    // precondition on it fails only through the test's own doing.
    private async Task<MetadataTarget> CreatePodAsync(string name, Dictionary<string, string> labels, string image = "nginx")
    {
        var pod = await Connection.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = image }] },
        }, Ns);
        var ready = await new PodCreator(Connection).WaitUntilReadyAsync(KPod.From(pod), Patience, CancellationToken.None);
        return MetadataTarget.FromPod(ready);
    }

    private Task PatchLabelsAsync(string name, string labelsJson) =>
        Connection.Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"metadata":{"labels":""" + labelsJson + "}}", V1Patch.PatchType.MergePatch), name, Ns);

    private async Task<IDictionary<string, string>> LabelsOfAsync(string name) =>
        (await Connection.Client.CoreV1.ReadNamespacedPodAsync(name, Ns)).Metadata.Labels;

    private MetadataEditService SetTierRemoveApp() =>
        new(Connection, MetadataResource.Pod, LabelChange.ForLabels([new("tier", "fe")], remove: ["app"]));

    [Theory]
    [InlineData(503)]
    [InlineData(0)] // connection reset
    public async Task A_conditional_label_edit_whose_first_answer_is_lost_succeeds_with_the_labels_applied(int faultStatus)
    {
        string name = $"lost-patch-{faultStatus}";
        var target = await CreatePodAsync(name, new() { ["app"] = "web", ["keep"] = "me" });
        LoseFirstAnswer("patch", faultStatus);

        var service = SetTierRemoveApp();
        var outcome = await RunOneAsync(target, (t, ct) => service.ApplyAsync(t, t.ResourceVersion, ct), Options());

        Assert.True(outcome.Succeeded, outcome.Error?.ToString());
        Assert.Equal(2, outcome.Attempts);
        Assert.True(outcome.Result!.Changed);
        var expected = new Dictionary<string, string> { ["keep"] = "me", ["tier"] = "fe" };
        Assert.Equal(expected, ((KPod)outcome.Result.Output!).Labels);
        Assert.Equal(expected, await LabelsOfAsync(name));
    }

    [Fact]
    public async Task A_retried_conditional_label_edit_after_a_concurrent_change_is_still_a_Conflict()
    {
        var target = await CreatePodAsync("moved-retry", new() { ["app"] = "web" });
        await PatchLabelsAsync("moved-retry", """{"other":"x"}""");
        // The first attempt fails before the server acts on it; the retry meets someone else's change.
        LoseFirstAnswer("patch", after: false);

        var service = SetTierRemoveApp();
        var outcome = await RunOneAsync(target, (t, ct) => service.ApplyAsync(t, t.ResourceVersion, ct), Options());

        Assert.Equal(BulkItemStatus.Failed, outcome.Status);
        Assert.Equal(2, outcome.Attempts);
        var error = Assert.IsType<KubeEngineException>(outcome.Error);
        Assert.Equal("Conflict", error.ErrorId);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "web", ["other"] = "x" }, await LabelsOfAsync("moved-retry"));
    }

    [Fact]
    public async Task A_first_attempt_Conflict_stands_even_when_the_labels_already_hold_the_requested_values()
    {
        var target = await CreatePodAsync("moved-first", new() { ["app"] = "web" });
        // Someone else makes exactly our change: -IfUnchanged still says the pod changed under us.
        await PatchLabelsAsync("moved-first", """{"tier":"fe","app":null}""");

        var service = SetTierRemoveApp();
        var outcome = await RunOneAsync(target, (t, ct) => service.ApplyAsync(t, t.ResourceVersion, ct), Options());

        Assert.Equal(1, outcome.Attempts);
        Assert.Equal("Conflict", Assert.IsType<KubeEngineException>(outcome.Error).ErrorId);
    }

    private static PodDraft Draft(string name, string image = "nginx:1.27") => Assert.Single(PodDraftBuilder.FromManifestText($"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
          labels:
            app: web
          annotations:
            note: mine
        spec:
          containers:
          - name: main
            image: {image}
        """, "pod.yaml").Pods);

    private Task<BulkOutcome<PodDraft, KPod>> CreateInBulkAsync(PodDraft draft, TimeProvider? time = null)
    {
        var creator = new PodCreator(Connection);
        return RunOneAsync(draft, (d, ct) => creator.CreateAsync(d, Ns, dryRun: false, ct), Options(time));
    }

    [Fact]
    public async Task A_create_whose_first_answer_is_lost_returns_the_pod_it_created()
    {
        LoseFirstAnswer("create");

        var outcome = await CreateInBulkAsync(Draft("lost-create"));

        Assert.True(outcome.Succeeded, outcome.Error?.ToString());
        Assert.Equal(2, outcome.Attempts);
        var stored = await Connection.Client.CoreV1.ReadNamespacedPodAsync("lost-create", Ns);
        Assert.Equal(stored.Metadata.Uid, outcome.Result!.Object.Metadata.Uid);
        Assert.Equal("web", outcome.Result.Labels["app"]);
        // The pod was stored by the first POST, whose answer the client never saw; the second met it.
        var posts = cluster.Host.Requests.Entries.Where(e => e.Method == "POST" && e.Path == $"/api/v1/namespaces/{Ns}/pods").TakeLast(2);
        Assert.Equal([503, 409], posts.Select(e => e.Status));
    }

    [Fact]
    public async Task A_retried_create_that_meets_a_different_pod_of_the_same_name_is_PodAlreadyExists()
    {
        await CreatePodAsync("taken", new() { ["app"] = "web" }, image: "busybox:1.36");
        // The first attempt fails before the server acts on it; the retry finds the other pod.
        LoseFirstAnswer("create", after: false);

        var outcome = await CreateInBulkAsync(Draft("taken"));

        Assert.Equal(2, outcome.Attempts);
        var error = Assert.IsType<KubeEngineException>(outcome.Error);
        Assert.Equal("PodAlreadyExists", error.ErrorId);
        Assert.Equal(KubeErrorCategory.ResourceExists, error.Category);
        Assert.Contains("already exists", error.Message);
        Assert.Contains("an earlier attempt of this command may have created it", error.Message);
        Assert.Contains("its containers differ from the ones sent", error.Message);
        Assert.Equal("busybox:1.36", (await Connection.Client.CoreV1.ReadNamespacedPodAsync("taken", Ns)).Spec.Containers[0].Image);
    }

    [Fact]
    public async Task A_retried_create_that_meets_an_identical_pod_made_before_the_command_started_is_PodAlreadyExists()
    {
        var draft = Draft("leftover");
        await new PodCreator(Connection).CreateAsync(draft, Ns, dryRun: false, CancellationToken.None);
        LoseFirstAnswer("create", after: false);

        // The command's clock starts well after the pod's creation.
        var outcome = await CreateInBulkAsync(draft, new ShiftedTimeProvider(PodCreator.ClockSkewAllowance + TimeSpan.FromMinutes(1)));

        var error = Assert.IsType<KubeEngineException>(outcome.Error);
        Assert.Equal("PodAlreadyExists", error.ErrorId);
        Assert.Contains("before this command's first attempt", error.Message);
    }

    [Fact]
    public async Task A_first_attempt_AlreadyExists_keeps_the_server_message_alone()
    {
        var draft = Draft("first-exists");
        await new PodCreator(Connection).CreateAsync(draft, Ns, dryRun: false, CancellationToken.None);

        var outcome = await CreateInBulkAsync(draft);

        Assert.Equal(1, outcome.Attempts);
        var error = Assert.IsType<KubeEngineException>(outcome.Error);
        Assert.Equal("PodAlreadyExists", error.ErrorId);
        Assert.DoesNotContain("earlier attempt", error.Message);
    }

    private static PodDraft GeneratedDraft(string prefix) => Assert.Single(PodDraftBuilder.FromManifestText($"""
        apiVersion: v1
        kind: Pod
        metadata:
          generateName: {prefix}
          labels:
            app: {prefix}app
        spec:
          containers:
          - name: main
            image: nginx:1.27
        """, "pod.yaml").Pods);

    private async Task<List<BulkOutcome<PodDraft, KPod>>> CreateAllInBulkAsync(params PodDraft[] drafts)
    {
        var creator = new PodCreator(Connection);
        var run = BulkRunner.Start(drafts, (d, ct) => creator.CreateAsync(d, Ns, dryRun: false, ct), Options());
        var outcomes = new List<BulkOutcome<PodDraft, KPod>>();
        await foreach (var outcome in run.Outcomes.ReadAllAsync(new CancellationTokenSource(Patience).Token))
        {
            outcomes.Add(outcome);
        }

        return outcomes;
    }

    private async Task<List<string>> PodNamesAsync(string prefix) =>
        (await Connection.Client.CoreV1.ListNamespacedPodAsync(Ns)).Items
        .Select(p => p.Metadata.Name).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToList();

    private IEnumerable<int> PodPosts() =>
        cluster.Host.Requests.Entries.Where(e => e.Method == "POST" && e.Path == $"/api/v1/namespaces/{Ns}/pods").Select(e => e.Status);

    [Fact]
    public async Task A_generateName_create_whose_first_answer_is_lost_returns_that_pod_and_makes_no_second()
    {
        cluster.Host.Requests.Clear();
        LoseFirstAnswer("create");

        var outcome = Assert.Single(await CreateAllInBulkAsync(GeneratedDraft("gen-lost-")));

        Assert.True(outcome.Succeeded, outcome.Error?.ToString());
        Assert.Equal(2, outcome.Attempts);
        Assert.Equal([outcome.Result!.Name], await PodNamesAsync("gen-lost-"));
        // The retry found the pod the first POST stored and did not send a second one.
        Assert.Equal([503], PodPosts());
    }

    [Fact]
    public async Task Identical_generateName_creates_whose_answers_are_lost_each_return_a_pod_of_their_own()
    {
        Faults.Set(new FaultSettings { Rules = [new FaultRule { Verb = "create", Status = 503, After = true, Times = 2 }] });

        var outcomes = await CreateAllInBulkAsync(GeneratedDraft("gen-twin-"), GeneratedDraft("gen-twin-"), GeneratedDraft("gen-twin-"));

        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error?.ToString()));
        var names = await PodNamesAsync("gen-twin-");
        Assert.Equal(3, names.Count);
        Assert.Equal(names.Order(), outcomes.Select(o => o.Result!.Name).Order());
    }

    [Fact]
    public async Task A_generateName_create_that_failed_before_the_server_acted_is_sent_again()
    {
        cluster.Host.Requests.Clear();
        LoseFirstAnswer("create", after: false);

        var outcome = Assert.Single(await CreateAllInBulkAsync(GeneratedDraft("gen-again-")));

        Assert.True(outcome.Succeeded, outcome.Error?.ToString());
        Assert.Equal([outcome.Result!.Name], await PodNamesAsync("gen-again-"));
        Assert.Equal([503, 201], PodPosts());
    }

    /// <summary>The system clock moved by a fixed amount; timers run in real time.</summary>
    private sealed class ShiftedTimeProvider(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }
}
