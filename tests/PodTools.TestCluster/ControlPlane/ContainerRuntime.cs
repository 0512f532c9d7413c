using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using PodTools.TestCluster.Semantics;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.ControlPlane;

/// <summary>A port a container declares (spec.containers[].ports), for port-forward.</summary>
public sealed record ContainerPortInfo(string? Name, int ContainerPort, string Protocol);

/// <summary>What the pod worker gives its containers: time, events and status publication.</summary>
internal interface IPodContext
{
    ClusterClock Clock { get; }

    /// <summary>format.Pod: "name_namespace(uid)".</summary>
    string Description { get; }

    /// <summary>Serialises pulls and starts within the pod, in spec order.</summary>
    SemaphoreSlim StartGate { get; }

    void RecordEvent(ContainerRuntime container, string type, string reason, string message);
    void PublishStatus();
}

/// <summary>
/// One container of a pod on the simulated kubelet: its working directory, environment, ports, log and (when
/// it has a command) its OS process, plus the state the kubelet reports in containerStatuses. Restarts follow
/// the pod's restartPolicy with kubelet's back-off (10s doubling to 5m, forgotten after 10 quiet minutes).
/// </summary>
public sealed class ContainerRuntime
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private static readonly TimeSpan InitialBackoff = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan PullTime = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan SlowPullTime = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan SimulatedRunTime = TimeSpan.FromSeconds(1);

    private readonly object _gate = new();
    private readonly IPodContext _pod;
    private readonly JsonObject _spec;

    // What containerStatuses reports.
    private JsonObject _state = Waiting("ContainerCreating");
    private JsonObject? _lastTerminated;
    private bool _ready;

    // The running instance: an OS process, or a simulated one that completes when the container "exits".
    private ContainerProcess? _process;
    private TaskCompletionSource<int>? _simulatedExit;
    private DateTime _instanceStartedAt;

    private bool _imagePulled;
    private TimeSpan? _backoff;
    private DateTime _backoffUpdated;
    private bool _killed;
    private bool _specChanged;
    private TaskCompletionSource _interrupt = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal ContainerRuntime(IPodContext context, JsonObject pod, JsonObject spec, bool isInit, string workDirectory)
    {
        _pod = context;
        Namespace = pod.Str("metadata", "namespace") ?? "";
        PodName = pod.Str("metadata", "name") ?? "";
        PodUid = pod.Str("metadata", "uid") ?? "";
        NodeName = pod.Str("spec", "nodeName") ?? "";
        _spec = (JsonObject)spec.DeepClone();
        Name = spec.Str("name") ?? "";
        IsInit = isInit;
        Image = new ImageReference(spec.Str("image") ?? "");
        WorkingDirectory = Path.Combine(workDirectory, Namespace, PodName, Name);
        Ports = spec.Objects("ports")
            .Select(p => new ContainerPortInfo(p.Str("name"), (int)(p.Long("containerPort") ?? 0), p.Str("protocol") ?? "TCP"))
            .ToList();
        Environment = BuildEnvironment(pod, spec);
        Command = ExpandCommand(spec, Environment);
        // Until the pod is initialised every container reports PodInitializing, as kubelet does.
        if (isInit || pod.Objects("spec", "initContainers").Any()) _state = Waiting("PodInitializing");
    }

    public string Namespace { get; }
    public string PodName { get; }
    public string PodUid { get; }
    public string NodeName { get; }
    public string Name { get; }
    public bool IsInit { get; }
    public ImageReference Image { get; private set; }
    /// <summary>A copy of the container's spec as the kubelet runs it.</summary>
    public JsonObject Spec
    {
        get { lock (_gate) return (JsonObject)_spec.DeepClone(); }
    }
    public string WorkingDirectory { get; }

    /// <summary>The container's environment: its env values, HOSTNAME = pod name and PATH.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>command + args with $(VAR) expanded; empty for a container that only idles.</summary>
    public IReadOnlyList<string> Command { get; }

    public IReadOnlyList<ContainerPortInfo> Ports { get; }
    public ContainerLog Log { get; } = new();

    public int RestartCount { get; private set; }
    public string? ContainerId { get; private set; }

    public bool IsRunning
    {
        get { lock (_gate) return _state.ContainsKey("running"); }
    }

    /// <summary>The OS process id while a command runs, else null.</summary>
    public int? ProcessId
    {
        get { lock (_gate) return _process?.ProcessId; }
    }

    internal bool IsReady
    {
        get { lock (_gate) return _ready; }
    }

    /// <summary>The state object ({"running":...}, {"waiting":...} or {"terminated":...}).</summary>
    internal JsonObject State
    {
        get { lock (_gate) return (JsonObject)_state.DeepClone(); }
    }

    /// <summary>This container's entry in status.containerStatuses / initContainerStatuses.</summary>
    internal JsonObject ToStatus()
    {
        lock (_gate)
        {
            var running = _state.ContainsKey("running");
            var status = new JsonObject
            {
                ["name"] = Name,
                ["state"] = _state.DeepClone(),
                ["lastState"] = _lastTerminated is null ? new JsonObject() : new JsonObject { ["terminated"] = _lastTerminated.DeepClone() },
                ["ready"] = _ready,
                ["restartCount"] = RestartCount,
                ["image"] = ContainerId is null ? Image.Original : Image.Normalized,
                ["imageID"] = ContainerId is null ? "" : Image.ImageId,
                ["started"] = running,
            };
            if (ContainerId is not null) status["containerID"] = ContainerId;
            return status;
        }
    }

    /// <summary>
    /// Runs the container until it ends for good under <paramref name="restartPolicy"/> (returns its last exit
    /// code) or <paramref name="stop"/> is cancelled (returns null). Init containers pass OnFailure for Always.
    /// Pulls and starts go through the pod's start gate one container at a time, in spec order, as kubelet's
    /// SyncPod does; the containers then run side by side.
    /// </summary>
    internal async Task<int?> RunAsync(string restartPolicy, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var exit = await PullAndStartAsync(stop).ConfigureAwait(false);
            if (exit is null) return null;
            var exitCode = await FinishInstanceAsync(exit).ConfigureAwait(false);
            bool specChanged;
            lock (_gate)
            {
                specChanged = _specChanged;
                _specChanged = false;
                _lastTerminated = (JsonObject)_state["terminated"]!.DeepClone();
            }
            // A changed container is restarted whatever the restart policy says, and without back-off.
            var restart = specChanged || restartPolicy switch
            {
                "Always" => true,
                "OnFailure" => exitCode != 0,
                _ => false,
            };
            if (!restart || stop.IsCancellationRequested) return exitCode;
            if (!specChanged && !await BackOffBeforeRestartAsync(stop).ConfigureAwait(false)) return null;
            lock (_gate) RestartCount++;
        }
        return null;
    }

    /// <summary>The pod was updated: a new image restarts the container with it (the only container change the API allows).</summary>
    internal void UpdateSpec(JsonObject spec, long gracePeriodSeconds)
    {
        var image = spec.Str("image") ?? "";
        if (image == Image.Original) return;
        bool running;
        ContainerProcess? process;
        TaskCompletionSource<int>? simulated;
        lock (_gate)
        {
            (process, simulated) = (_process, _simulatedExit);
            Image = new ImageReference(image);
            _spec["image"] = image;
            if (spec.Str("imagePullPolicy") is { } policy) _spec["imagePullPolicy"] = policy;
            _imagePulled = false;
            running = _state.ContainsKey("running");
            _specChanged = running;
            _interrupt.TrySetResult();
            _interrupt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        if (!running) return;
        _pod.RecordEvent(this, "Normal", "Killing", $"Container {Name} definition changed, will be restarted");
        // Only the instance running now is stopped: SIGTERM, and SIGKILL if it outlives the grace period.
        if (process is not null) process.Terminate();
        else simulated?.TrySetResult(0);
        _ = _pod.Clock.Delay(TimeSpan.FromSeconds(gracePeriodSeconds)).ContinueWith(_ =>
        {
            process?.Kill();
            simulated?.TrySetResult(137);
        }, TaskScheduler.Default);
    }

    /// <summary>SIGTERM to the process group (or the end of an idle container).</summary>
    internal void Terminate()
    {
        ContainerProcess? process;
        TaskCompletionSource<int>? simulated;
        lock (_gate) (process, simulated) = (_process, _simulatedExit);
        if (process is not null) process.Terminate();
        else simulated?.TrySetResult(0);
    }

    /// <summary>SIGKILL to the process group, or the end of an idle container; nothing starts again.</summary>
    internal void Kill()
    {
        ContainerProcess? process;
        TaskCompletionSource<int>? simulated;
        lock (_gate)
        {
            _killed = true;
            (process, simulated) = (_process, _simulatedExit);
        }
        if (process is not null) process.Kill();
        else simulated?.TrySetResult(137);
    }

    // Pull (with image pull back-off) then start, holding the pod's start gate only while pulling and starting.
    private async Task<Task<int>?> PullAndStartAsync(CancellationToken stop)
    {
        var pullBackoff = InitialBackoff;
        while (true)
        {
            try
            {
                await _pod.StartGate.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            string? pullError;
            try
            {
                (var stopped, pullError) = await TryPullAsync(stop).ConfigureAwait(false);
                if (stopped) return null;
                if (pullError is null) return StartInstance();
            }
            finally
            {
                _pod.StartGate.Release();
            }

            _pod.RecordEvent(this, "Warning", "Failed", $"Failed to pull image \"{Image.Original}\": {pullError}");
            _pod.RecordEvent(this, "Warning", "Failed", "Error: ErrImagePull");
            SetState(Waiting("ErrImagePull", pullError), ready: false);
            if (!await DelayAsync(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false)) return null;
            var message = $"Back-off pulling image \"{Image.Original}\"";
            _pod.RecordEvent(this, "Normal", "BackOff", message);
            _pod.RecordEvent(this, "Warning", "Failed", "Error: ImagePullBackOff");
            SetState(Waiting("ImagePullBackOff", message), ready: false);
            if (!await DelayAsync(pullBackoff, stop).ConfigureAwait(false)) return null;
            pullBackoff = pullBackoff * 2 > MaxBackoff ? MaxBackoff : pullBackoff * 2;
        }
    }

    // One pull as kubelet's image manager does it; Error is set when the image does not exist.
    private async Task<(bool Stopped, string? Error)> TryPullAsync(CancellationToken stop)
    {
        if (_imagePulled && Spec.Str("imagePullPolicy") != "Always")
        {
            _pod.RecordEvent(this, "Normal", "Pulled", $"Container image \"{Image.Original}\" already present on machine");
            return (false, null);
        }
        _pod.RecordEvent(this, "Normal", "Pulling", $"Pulling image \"{Image.Original}\"");
        var pullTime = Image.FailureMode == ImageReference.Mode.Slow ? SlowPullTime : PullTime;
        if (!await DelayAsync(pullTime, stop).ConfigureAwait(false)) return (true, null);
        if (Image.FailureMode == ImageReference.Mode.Missing)
        {
            var reference = Image.Normalized;
            return (false, $"rpc error: code = NotFound desc = failed to pull and unpack image \"{reference}\": failed to resolve reference \"{reference}\": {reference}: not found");
        }
        _imagePulled = true;
        _pod.RecordEvent(this, "Normal", "Pulled",
            $"Successfully pulled image \"{Image.Original}\" in {GoDuration(pullTime)} ({GoDuration(pullTime)} including waiting)");
        return (false, null);
    }

    // Creates and starts one container instance; the task completes with its exit code. Null once killed.
    private Task<int>? StartInstance()
    {
        Directory.CreateDirectory(WorkingDirectory);
        var containerId = "containerd://" + Hex.Random(32);
        var startedAt = _pod.Clock.UtcNow;
        Task<int> exit;
        string? startError = null;
        lock (_gate)
        {
            // Once killed (pod deleted, cluster stopping) nothing may start again, however late this call comes.
            if (_killed) return null;
            Log.StartNewInstance();
            ContainerId = containerId;
            _instanceStartedAt = startedAt;
            try
            {
                exit = StartLocked(startedAt);
            }
            catch (Win32Exception e)
            {
                // The runtime cannot exec the command: the container never runs (StartError, exit code 128).
                startError = $"failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: {e.Message}: unknown";
                _state = Terminated(128, "StartError", startError, startedAt, startedAt, containerId);
                _ready = false;
                exit = Task.FromResult(128);
            }
        }
        // Events and status are published outside the container lock: publishing takes the pod's lock.
        _pod.RecordEvent(this, "Normal", "Created", $"Created container {Name}");
        if (startError is not null)
        {
            _pod.RecordEvent(this, "Warning", "Failed", "Error: " + startError);
            Log.EndInstance();
        }
        else _pod.RecordEvent(this, "Normal", "Started", $"Started container {Name}");
        _pod.PublishStatus();
        return exit;
    }

    private async Task<int> FinishInstanceAsync(Task<int> exit)
    {
        var exitCode = await exit.ConfigureAwait(false);
        lock (_gate)
        {
            _process?.Dispose();
            if (_process is not null || _simulatedExit is not null)
                _state = Terminated(exitCode, exitCode == 0 ? "Completed" : "Error", null, _instanceStartedAt, _pod.Clock.UtcNow, ContainerId!);
            _process = null;
            _simulatedExit = null;
            _ready = false;
        }
        Log.EndInstance();
        _pod.PublishStatus();
        return exitCode;
    }

    private Task<int> StartLocked(DateTime startedAt)
    {
        if (Command.Count > 0)
        {
            _process = ContainerProcess.Start(Command, WorkingDirectory, Environment, (stream, line) => Log.Append(stream, line, _pod.Clock.UtcNow));
            SetRunningLocked(startedAt);
            return _process.WaitForExitAsync();
        }
        // No command: the container costs no process. It logs a line, then idles or acts out its image's failure
        // mode; an init container's entrypoint is taken to finish its work and succeed.
        Log.Append("stdout", $"{Image.Original}: container {Name} started", startedAt);
        _simulatedExit = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var simulated = _simulatedExit;
        var exitCode = Image.FailureMode switch
        {
            ImageReference.Mode.Crash => 1,
            ImageReference.Mode.ExitZero => 0,
            _ when IsInit && _spec.Str("restartPolicy") != "Always" => 0,
            _ => (int?)null,
        };
        if (exitCode is { } code)
            _ = _pod.Clock.Delay(SimulatedRunTime).ContinueWith(_ => simulated.TrySetResult(code), TaskScheduler.Default);
        SetRunningLocked(startedAt);
        return simulated.Task;
    }

    private void SetRunningLocked(DateTime startedAt)
    {
        _state = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = ClusterClock.FormatTime(startedAt) } };
        _ready = true;
    }

    // kubelet's doBackOff: the first restart is immediate, later ones wait 10s, 20s, ... up to 5m, in CrashLoopBackOff.
    // A back-off entry not updated for twice the maximum is forgotten, so a long-running container restarts at once.
    private async Task<bool> BackOffBeforeRestartAsync(CancellationToken stop)
    {
        var now = _pod.Clock.UtcNow;
        var expired = _backoff is not null && now - _backoffUpdated > _pod.Clock.ToReal(2 * MaxBackoff);
        if (_backoff is null || expired)
        {
            _backoff = InitialBackoff;
            _backoffUpdated = now;
            return true;
        }
        var wait = _backoff.Value;
        var message = $"back-off {GoDuration(wait)} restarting failed container={Name} pod={_pod.Description}";
        _pod.RecordEvent(this, "Warning", "BackOff", $"Back-off restarting failed container {Name} in pod {_pod.Description}");
        SetState(Waiting("CrashLoopBackOff", message), ready: false);
        if (!await DelayAsync(wait, stop).ConfigureAwait(false)) return false;
        _backoff = wait * 2 > MaxBackoff ? MaxBackoff : wait * 2;
        _backoffUpdated = _pod.Clock.UtcNow;
        return true;
    }

    private void SetState(JsonObject state, bool ready)
    {
        lock (_gate)
        {
            _state = state;
            _ready = ready;
        }
        _pod.PublishStatus();
    }

    // A back-off wait; a spec change cuts it short (true), as a pod update makes the kubelet sync at once.
    private async Task<bool> DelayAsync(TimeSpan simulated, CancellationToken stop)
    {
        Task interrupted;
        lock (_gate) interrupted = _interrupt.Task;
        try
        {
            await Task.WhenAny(_pod.Clock.Delay(simulated, stop), interrupted).ConfigureAwait(false);
            stop.ThrowIfCancellationRequested();
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static JsonObject Waiting(string reason, string? message = null)
    {
        var waiting = new JsonObject { ["reason"] = reason };
        if (message is not null) waiting["message"] = message;
        return new JsonObject { ["waiting"] = waiting };
    }

    private static JsonObject Terminated(int exitCode, string reason, string? message, DateTime startedAt, DateTime finishedAt, string containerId)
    {
        var terminated = new JsonObject { ["exitCode"] = exitCode, ["reason"] = reason };
        if (message is not null) terminated["message"] = message;
        terminated["startedAt"] = ClusterClock.FormatTime(startedAt);
        terminated["finishedAt"] = ClusterClock.FormatTime(finishedAt);
        terminated["containerID"] = containerId;
        return new JsonObject { ["terminated"] = terminated };
    }

    /// <summary>Go's time.Duration.String for the durations kubelet prints ("500ms", "10s", "1m20s", "5m0s").</summary>
    internal static string GoDuration(TimeSpan d)
    {
        if (d < TimeSpan.FromSeconds(1)) return $"{(long)d.TotalMilliseconds}ms";
        var text = "";
        if (d.TotalHours >= 1) text += $"{(long)d.TotalHours}h";
        if (d.TotalMinutes >= 1) text += $"{d.Minutes}m";
        var seconds = d.Seconds + d.Milliseconds / 1000.0;
        return text + seconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
    }

    private static Dictionary<string, string> BuildEnvironment(JsonObject pod, JsonObject spec)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = DefaultPath,
            ["HOSTNAME"] = pod.Str("metadata", "name") ?? "",
        };
        foreach (var env in spec.Objects("env"))
        {
            var name = env.Str("name");
            if (string.IsNullOrEmpty(name)) continue;
            if (env.Str("value") is { } value) environment[name] = ExpandReferences(value, environment);
            else if (env.Str("valueFrom", "fieldRef", "fieldPath") is { } fieldPath && FieldValue(pod, fieldPath) is { } fieldValue)
                environment[name] = fieldValue;
            else if (!env.ContainsKey("valueFrom")) environment[name] = "";
        }
        return environment;
    }

    // The downward API fields a container can read through env.valueFrom.fieldRef.
    private static string? FieldValue(JsonObject pod, string fieldPath) => fieldPath switch
    {
        "metadata.name" => pod.Str("metadata", "name"),
        "metadata.namespace" => pod.Str("metadata", "namespace"),
        "metadata.uid" => pod.Str("metadata", "uid"),
        "spec.nodeName" => pod.Str("spec", "nodeName"),
        "spec.serviceAccountName" => pod.Str("spec", "serviceAccountName"),
        "status.podIP" => pod.Str("status", "podIP"),
        "status.hostIP" => pod.Str("status", "hostIP"),
        _ => null,
    };

    // Without an image entrypoint to fall back on, args alone are the command line.
    private static List<string> ExpandCommand(JsonObject spec, IReadOnlyDictionary<string, string> environment)
    {
        var argv = new List<string>();
        foreach (var item in (spec.Arr("command") ?? []).Concat(spec.Arr("args") ?? []))
            if (item?.GetValueKind() == System.Text.Json.JsonValueKind.String) argv.Add(ExpandReferences(item.GetValue<string>(), environment));
        return argv;
    }

    /// <summary>Kubernetes' $(VAR) expansion in command, args and env values; $$ escapes, unknown names stay as written.</summary>
    internal static string ExpandReferences(string input, IReadOnlyDictionary<string, string> environment)
    {
        var output = new System.Text.StringBuilder(input.Length);
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] != '$' || i + 1 >= input.Length)
            {
                output.Append(input[i]);
                continue;
            }
            if (input[i + 1] == '$')
            {
                output.Append('$');
                i++;
                continue;
            }
            if (input[i + 1] == '(')
            {
                var close = input.IndexOf(')', i + 2);
                if (close > 0)
                {
                    var name = input[(i + 2)..close];
                    output.Append(environment.TryGetValue(name, out var value) ? value : input[i..(close + 1)]);
                    i = close;
                    continue;
                }
            }
            output.Append('$');
        }
        return output.ToString();
    }
}
