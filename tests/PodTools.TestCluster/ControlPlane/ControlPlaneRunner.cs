using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.ControlPlane;

/// <summary>
/// The simulated control plane of the test cluster: a scheduler and the kubelets of all nodes, driven by the
/// store's change stream. Disposing it stops both and kills every container process it started.
/// </summary>
public sealed class ControlPlaneRunner : IAsyncDisposable
{
    private readonly StoreSubscription _subscription;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Scheduler _scheduler;
    private readonly Task _loop;
    private int _disposed;

    private ControlPlaneRunner(ClusterStore store, ClusterClock clock, string workDirectory)
    {
        Kubelet = new KubeletState(store, clock, workDirectory);
        _scheduler = new Scheduler(store, clock);
        // Subscribing without a resourceVersion replays what exists first (nodes before pods), then every change.
        _subscription = store.Subscribe();
        _loop = Task.Run(DispatchAsync);
    }

    /// <summary>Per-pod and per-container runtime state, for exec, logs and port-forward.</summary>
    public KubeletState Kubelet { get; }

    public static ControlPlaneRunner Start(ClusterStore store, ClusterClock clock, string workDirectory)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(clock);
        Directory.CreateDirectory(workDirectory);
        return new ControlPlaneRunner(store, clock, workDirectory);
    }

    private async Task DispatchAsync()
    {
        try
        {
            await foreach (var e in _subscription.Events.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
            {
                try
                {
                    switch (e.Resource)
                    {
                        case "nodes":
                            Kubelet.OnNodeChanged(e);
                            _scheduler.OnNodeChanged();
                            break;
                        case "pods":
                            _scheduler.OnPodChanged(e);
                            Kubelet.OnPodChanged(e);
                            break;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One bad object must not stop the control plane; the error goes where test output shows it.
                    Console.Error.WriteLine($"control plane: {e.Type} {e.Resource} {e.Namespace}/{e.Name}: {ex}");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stopping.Cancel();
        _subscription.Dispose();
        await _loop.ConfigureAwait(false);
        await Kubelet.StopAllAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}
