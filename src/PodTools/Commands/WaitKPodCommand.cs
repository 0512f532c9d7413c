using System.Management.Automation;
using PodTools.Completers;
using PodTools.Engine.Model;
using PodTools.Engine.Pods.Wait;

namespace PodTools.Commands;

/// <summary>
/// Wait-KPod: waits, by watching each pod, until it is Ready, Running, Completed or Deleted. Pods are waited on
/// concurrently; each one that times out or fails (CrashLoopBackOff, ImagePullBackOff, Unschedulable, Failed) is
/// one non-terminating error.
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "KPod")]
[OutputType(typeof(KPod))]
public sealed class WaitKPodCommand : PodBulkCmdlet
{
    public WaitKPodCommand()
    {
        // Each wait holds one watch for its whole duration, so many more of them run at once than bulk writes.
        ThrottleLimit = 64;
    }

    /// <summary>Names of the pods to wait for; wildcards select the matching pods that exist now.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PodNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>What to wait for: Ready (default), Running, Completed or Deleted.</summary>
    /// <remarks>
    /// A string, not the engine's PodCondition enum: an enum-typed field makes the runtime load PodTools.Engine when
    /// PowerShell enumerates the module's types at import, before the module's load context exists.
    /// </remarks>
    [Parameter(Position = 1)]
    [ValidateSet(nameof(PodCondition.Ready), nameof(PodCondition.Running), nameof(PodCondition.Completed), nameof(PodCondition.Deleted),
        IgnoreCase = true)]
    public string Condition { get; set; } = nameof(PodCondition.Ready);

    private PodCondition WantedCondition => Enum.Parse<PodCondition>(Condition, ignoreCase: true);

    /// <summary>Seconds to wait for each pod before a WaitTimeout error.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Timeout { get; set; } = 300;

    /// <summary>With -Condition Deleted, write the pod's last state once it is gone (other conditions always write the pod).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }


    // A wait handles its own reconnects; retrying it as a whole would only restart its timeout.
    private protected override int MaxAttempts => 1;

    protected override void ProcessRecord()
    {
        string ns = ResolvedNamespace;
        var patterns = new List<WildcardPattern>();
        foreach (string name in Name ?? [])
        {
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                patterns.Add(new WildcardPattern(name, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant));
            }
            else
            {
                Submit((ns, name));
            }
        }

        if (patterns.Count > 0)
        {
            foreach (var pod in ListMatching(ns, patterns))
            {
                Submit((pod.Namespace, pod.Name));
            }
        }

        Drain(block: false);
    }

    private protected override Func<object, CancellationToken, Task<object?>> CreateOperation()
    {
        var waiter = new PodWaiter(Connection);
        var condition = WantedCondition;
        var timeout = TimeSpan.FromSeconds(Timeout);
        WriteVerbose($"Waiting up to {Timeout} s per pod for {condition}.");
        return async (item, token) =>
        {
            var (ns, name) = ((string, string))item;
            return await waiter.WaitAsync(ns, name, condition, timeout, uid: null, token).ConfigureAwait(false);
        };
    }

    private protected override void OnSucceeded(object item, object? result, int attempts)
    {
        var (ns, name) = ((string, string))item;
        bool deleted = WantedCondition == PodCondition.Deleted;
        WriteVerbose($"{PodTarget(name, ns)} is {(deleted ? "gone" : WantedCondition.ToString())}.");
        if (result is KPod pod && (!deleted || PassThru))
        {
            WriteObject(pod);
        }
    }

    private protected override string DescribeTarget(object item) => (((string, string))item).Item2;
}
