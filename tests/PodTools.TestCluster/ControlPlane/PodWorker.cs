using System.Text.Json.Nodes;
using PodTools.TestCluster.Semantics;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.ControlPlane;

/// <summary>
/// The kubelet's work for one pod: sandbox and pod IP, init containers in order, then the app containers, with
/// the pod status (phase, conditions, container statuses) written back to the store after every change, and
/// graceful termination (SIGTERM, SIGKILL after the grace period, then the final delete) when it is deleted.
/// </summary>
public sealed class PodWorker : IPodContext
{
    private static readonly TimeSpan SandboxTime = TimeSpan.FromSeconds(1);

    private readonly KubeletState _kubelet;
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly string _startTime;
    private string? _podIp;
    private bool _sandboxReady;
    private bool _initialized;
    private bool _removed;
    private Task _run = Task.CompletedTask;
    private Task? _termination;

    internal PodWorker(KubeletState kubelet, JsonObject pod, string hostIp)
    {
        _kubelet = kubelet;
        Namespace = pod.Str("metadata", "namespace") ?? "";
        Name = pod.Str("metadata", "name") ?? "";
        Uid = pod.Str("metadata", "uid") ?? "";
        NodeName = pod.Str("spec", "nodeName") ?? "";
        HostIp = hostIp;
        RestartPolicy = pod.Str("spec", "restartPolicy") ?? "Always";
        _startTime = ClusterClock.FormatTime(kubelet.Clock.UtcNow);
        InitContainers = pod.Objects("spec", "initContainers").Select(c => new ContainerRuntime(this, pod, c, isInit: true, kubelet.WorkDirectory)).ToList();
        Containers = pod.Objects("spec", "containers").Select(c => new ContainerRuntime(this, pod, c, isInit: false, kubelet.WorkDirectory)).ToList();
    }

    public string Namespace { get; }
    public string Name { get; }
    public string Uid { get; }
    public string NodeName { get; }
    public string HostIp { get; }
    public string? PodIp => _podIp;
    public string RestartPolicy { get; }
    public IReadOnlyList<ContainerRuntime> InitContainers { get; }
    public IReadOnlyList<ContainerRuntime> Containers { get; }

    /// <summary>True once deletion has begun.</summary>
    public bool IsTerminating => _termination is not null || _removed;

    public ClusterClock Clock => _kubelet.Clock;
    SemaphoreSlim IPodContext.StartGate { get; } = new(1, 1);
    public string Description => $"{Name}_{Namespace}({Uid})";

    internal void Start() => _run = Task.Run(RunAsync);

    private async Task RunAsync()
    {
        PublishStatus();
        try
        {
            await Clock.Delay(SandboxTime, _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        _podIp = _kubelet.AllocatePodIp(NodeName, Uid);
        _sandboxReady = true;
        PublishStatus();

        // Init containers run one at a time; a failed one is retried unless the pod never restarts.
        var initPolicy = RestartPolicy == "Never" ? "Never" : "OnFailure";
        foreach (var init in InitContainers)
        {
            if (init.Spec.Str("restartPolicy") == "Always")
            {
                // A sidecar: it keeps running beside the app containers; the next step waits only for its start.
                var sidecar = init.RunAsync("Always", _stop.Token);
                while (!init.IsRunning && !sidecar.IsCompleted) await Task.Delay(10).ConfigureAwait(false);
                continue;
            }
            var exitCode = await init.RunAsync(initPolicy, _stop.Token).ConfigureAwait(false);
            if (exitCode != 0) return; // stopped, or failed for good (the phase says Failed)
        }
        _initialized = true;
        PublishStatus();
        await Task.WhenAll(Containers.Select(c => c.RunAsync(RestartPolicy, _stop.Token))).ConfigureAwait(false);
    }

    /// <summary>Graceful deletion: SIGTERM now, SIGKILL after the grace period, then the pod leaves the store.</summary>
    internal Task TerminateAsync(long gracePeriodSeconds)
    {
        lock (_gate)
        {
            return _termination ??= Task.Run(async () =>
            {
                _stop.Cancel();
                foreach (var container in InitContainers.Concat(Containers).Where(c => c.IsRunning))
                {
                    RecordEvent(container, "Normal", "Killing", $"Stopping container {container.Name}");
                    container.Terminate();
                }
                var grace = Clock.Delay(TimeSpan.FromSeconds(Math.Max(0, gracePeriodSeconds)));
                if (await Task.WhenAny(_run, grace).ConfigureAwait(false) != _run) KillContainers();
                await WaitForContainersAsync().ConfigureAwait(false);
                try
                {
                    _kubelet.Store.Delete("pods", Namespace, Name, Uid);
                }
                catch (StatusException)
                {
                    // The API server finished the deletion first, or the pod was recreated under the same name.
                }
                Remove();
                DeleteWorkingDirectories();
            });
        }
    }

    /// <summary>A pod update: containers whose image changed restart with the new one.</summary>
    internal void UpdateSpec(JsonObject pod)
    {
        if (IsTerminating) return;
        var grace = pod.Long("spec", "terminationGracePeriodSeconds") ?? 30;
        foreach (var spec in pod.Objects("spec", "containers").Concat(pod.Objects("spec", "initContainers")))
            InitContainers.Concat(Containers).FirstOrDefault(c => c.Name == spec.Str("name"))?.UpdateSpec(spec, grace);
    }

    /// <summary>The pod is gone from the store (or the cluster stops): SIGKILL everything now.</summary>
    internal async Task KillAsync()
    {
        Remove();
        _stop.Cancel();
        KillContainers();
        await WaitForContainersAsync().ConfigureAwait(false);
        DeleteWorkingDirectories();
    }

    private void KillContainers()
    {
        foreach (var container in InitContainers.Concat(Containers)) container.Kill();
    }

    private async Task WaitForContainersAsync()
    {
        // A process that ignores SIGKILL cannot exist; the bound only guards against a hung reader.
        await Task.WhenAny(_run, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
    }

    private void Remove()
    {
        lock (_gate) _removed = true;
        _kubelet.Forget(this);
    }

    // The containers' writable layers go with the pod (its logs stay readable until then).
    private void DeleteWorkingDirectories()
    {
        try
        {
            var podDirectory = Path.Combine(_kubelet.WorkDirectory, Namespace, Name);
            if (Directory.Exists(podDirectory)) Directory.Delete(podDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A file a stray process still holds; the work directory is removed with the cluster anyway.
        }
    }

    void IPodContext.RecordEvent(ContainerRuntime container, string type, string reason, string message) =>
        RecordEvent(container, type, reason, message);

    private void RecordEvent(ContainerRuntime container, string type, string reason, string message)
    {
        var involved = new JsonObject
        {
            ["kind"] = "Pod",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject { ["name"] = Name, ["namespace"] = Namespace, ["uid"] = Uid },
        };
        var fieldPath = $"spec.{(container.IsInit ? "initContainers" : "containers")}{{{container.Name}}}";
        _kubelet.Store.RecordEvent(involved, type, reason, message, "kubelet/" + NodeName, fieldPath);
    }

    /// <summary>Writes the pod status the kubelet would report now.</summary>
    public void PublishStatus()
    {
        lock (_gate)
        {
            if (_removed) return;
            try
            {
                _kubelet.Store.Update("pods", Namespace, Name, current =>
                {
                    if (current.Str("metadata", "uid") != Uid) return null;
                    current["status"] = BuildStatus(current);
                    return current;
                });
            }
            catch (StatusException)
            {
                // The pod is gone; the DELETED event stops this worker.
            }
        }
    }

    private JsonObject BuildStatus(JsonObject current)
    {
        var spec = current.Obj("spec") ?? new JsonObject();
        var initStatuses = new JsonArray(InitContainers.Select(c => (JsonNode)c.ToStatus()).ToArray());
        var containerStatuses = new JsonArray(Containers.Select(c => (JsonNode)c.ToStatus()).ToArray());
        var phase = PodPhase(spec, initStatuses, containerStatuses);
        var completed = phase is "Succeeded" or "Failed";

        var notInitialized = _initialized ? [] : InitContainers.Where(c => c.State.Long("terminated", "exitCode") != 0).Select(c => c.Name).ToList();
        var notReady = Containers.Where(c => !c.IsReady).Select(c => c.Name).ToList();
        var previous = current.Objects("status", "conditions").ToDictionary(c => c.Str("type") ?? "", c => c);
        var now = ClusterClock.FormatTime(Clock.UtcNow);

        JsonObject Condition(string type, bool value, string? reason = null, string? message = null)
        {
            var status = value ? "True" : "False";
            var before = previous.GetValueOrDefault(type);
            var condition = new JsonObject
            {
                ["type"] = type,
                ["status"] = status,
                ["lastProbeTime"] = null,
                ["lastTransitionTime"] = before?.Str("status") == status ? before.Str("lastTransitionTime") : now,
            };
            if (reason is not null) condition["reason"] = reason;
            if (message is not null) condition["message"] = message;
            return condition;
        }

        string List(IEnumerable<string> names) => "[" + string.Join(" ", names) + "]";
        var containersReady = notReady.Count == 0 && !completed;
        var readyReason = phase == "Succeeded" ? "PodCompleted" : containersReady ? null : "ContainersNotReady";
        var readyMessage = readyReason == "ContainersNotReady" ? $"containers with unready status: {List(notReady)}" : null;
        var conditions = new JsonArray
        {
            Condition("PodReadyToStartContainers", _sandboxReady && !completed),
            notInitialized.Count == 0
                ? Condition("Initialized", true, phase == "Succeeded" ? "PodCompleted" : null)
                : Condition("Initialized", false, "ContainersNotInitialized", $"containers with incomplete status: {List(notInitialized)}"),
            Condition("Ready", containersReady, readyReason, readyMessage),
            Condition("ContainersReady", containersReady, readyReason, readyMessage),
            previous.GetValueOrDefault("PodScheduled")?.DeepClone() ?? Condition("PodScheduled", true),
        };

        var status = new JsonObject
        {
            ["phase"] = phase,
            ["conditions"] = conditions,
            ["hostIP"] = HostIp,
            ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = HostIp }),
        };
        if (_podIp is not null)
        {
            status["podIP"] = _podIp;
            status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = _podIp });
        }
        status["startTime"] = _startTime;
        if (InitContainers.Count > 0) status["initContainerStatuses"] = initStatuses;
        status["containerStatuses"] = containerStatuses;
        status["qosClass"] = current.Str("status", "qosClass") ?? ObjectDefaults.QosClass(current);
        return status;
    }

    /// <summary>kubelet's getPhase over the container statuses it is about to report.</summary>
    internal static string PodPhase(JsonObject spec, JsonArray initStatuses, JsonArray containerStatuses)
    {
        var restartPolicy = spec.Str("restartPolicy") ?? "Always";
        int pendingInit = 0, failedInit = 0;
        foreach (var init in spec.Objects("initContainers"))
        {
            if (init.Str("restartPolicy") == "Always") continue;
            var status = initStatuses.OfType<JsonObject>().FirstOrDefault(s => s.Str("name") == init.Str("name"));
            if (status is null || status.Obj("state", "running") is not null) pendingInit++;
            else if (status.Obj("state", "terminated") is { } terminated) failedInit += terminated.Long("exitCode") != 0 ? 1 : 0;
            else if (status.Obj("lastState", "terminated") is { } last) failedInit += last.Long("exitCode") != 0 ? 1 : 0;
            else pendingInit++;
        }
        int running = 0, waiting = 0, stopped = 0, succeeded = 0, unknown = 0;
        var anyStarted = false;
        foreach (var container in spec.Objects("containers"))
        {
            var status = containerStatuses.OfType<JsonObject>().FirstOrDefault(s => s.Str("name") == container.Str("name"));
            if (status is null) { unknown++; continue; }
            anyStarted |= status.Str("containerID") is not null;
            if (status.Obj("state", "running") is not null) running++;
            else if (status.Obj("state", "terminated") is { } terminated)
            {
                stopped++;
                if (terminated.Long("exitCode") == 0) succeeded++;
            }
            else if (status.Obj("lastState", "terminated") is not null) stopped++;
            else waiting++;
        }
        if (failedInit > 0 && restartPolicy == "Never") return "Failed";
        if ((pendingInit > 0 && !anyStarted) || waiting > 0) return "Pending";
        if (running > 0 && unknown == 0) return "Running";
        if (running == 0 && stopped > 0 && unknown == 0)
        {
            if (restartPolicy == "Always") return "Running";
            if (stopped == succeeded) return "Succeeded";
            return restartPolicy == "Never" ? "Failed" : "Running";
        }
        return "Pending";
    }
}
