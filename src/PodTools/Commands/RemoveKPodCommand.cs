using System.Collections;
using System.Management.Automation;
using PodTools.Completers;
using PodTools.Engine.Model;
using PodTools.Engine.Pods.Delete;

namespace PodTools.Commands;

/// <summary>
/// Remove-KPod: deletes pods by name (wildcards), from the pipeline, by label selector or all pods of a namespace.
/// Deletes run concurrently through the bulk runner while input still arrives; each failed pod is one
/// non-terminating error. Deleting a selected set asks once for the whole set, naming how many pods it holds.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "KPod", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(KPod))]
public sealed class RemoveKPodCommand : PodBulkCmdlet
{
    private const string NameSet = "Name";
    private const string SelectorSet = "Selector";
    private const string LabelSet = "Label";
    private const string AllSet = "All";

    private string? _selector;
    private PodDeleteOptions? _options;

    /// <summary>Names of the pods to delete; wildcards select matching pods of the namespace.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PodNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>A label selector in kubectl's grammar choosing the pods to delete.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SelectorSet)]
    [Alias("l")]
    [ValidateNotNullOrEmpty]
    public string? Selector { get; set; }

    /// <summary>Equality selection as a hashtable: the pods whose labels have all these values.</summary>
    [Parameter(ParameterSetName = SelectorSet)]
    [Parameter(Mandatory = true, ParameterSetName = LabelSet)]
    [Alias("MatchLabel")]
    [ValidateNotNull]
    public Hashtable? Label { get; set; }

    /// <summary>Delete every pod of the namespace.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    /// <summary>Seconds the pod gets to stop; the default is the pod's terminationGracePeriodSeconds. 0 means 1 unless -Force.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? GracePeriod { get; set; }

    /// <summary>Delete immediately (grace period 0), without waiting for the kubelet to confirm (kubectl --force --grace-period=0).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Wait (by watch) until each pod is gone before reporting it.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Seconds -Wait waits per pod.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Timeout { get; set; } = 300;

    /// <summary>Write each deleted pod (as the server answered the delete, or its last state with -Wait).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private bool SetSelected => ParameterSetName is SelectorSet or LabelSet or AllSet;

    protected override void BeginProcessing()
    {
        if (ParameterSetName is SelectorSet or LabelSet)
        {
            // Checked before any request: a malformed selector must delete nothing.
            _selector = PodSelection.Combine(Selector, Label, out var error);
            if (error is not null)
            {
                ThrowTerminatingError(error);
            }
        }

        var options = new PodDeleteOptions
        {
            GracePeriodSeconds = GracePeriod,
            Force = Force,
            Wait = Wait,
            WaitTimeout = TimeSpan.FromSeconds(Timeout),
        };
        try
        {
            _ = options.EffectiveGracePeriod();
        }
        catch (ArgumentException error)
        {
            ThrowTerminatingError(new ErrorRecord(error, "InvalidGracePeriod", ErrorCategory.InvalidArgument, GracePeriod));
        }

        if (Force)
        {
            // kubectl's warning for --force --grace-period=0.
            WriteWarning("Immediate deletion does not wait for confirmation that the running resource has been terminated. " +
                         "The resource may continue to run on the cluster indefinitely.");
        }

        _options = options;
    }

    protected override void ProcessRecord()
    {
        if (SetSelected)
        {
            DeleteSelectedSet();
        }
        else
        {
            DeleteNamed();
        }

        Drain(block: false);
    }

    private void DeleteNamed()
    {
        string ns = ResolvedNamespace;
        var patterns = new List<WildcardPattern>();
        foreach (string name in Name ?? [])
        {
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                patterns.Add(new WildcardPattern(name, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant));
            }
            else if (ShouldProcess(PodTarget(name, ns)))
            {
                Submit(new PodDeletion(ns, name));
            }
            else
            {
                Declined++;
            }
        }

        if (patterns.Count == 0)
        {
            return;
        }

        foreach (var pod in ListMatching(ns, patterns))
        {
            if (ShouldProcess(PodTarget(pod.Name, pod.Namespace)))
            {
                Submit(new PodDeletion(pod.Namespace, pod.Name));
            }
            else
            {
                Declined++;
            }
        }
    }

    /// <summary>-Selector, -Label, -All: list first, then one question for the whole set (ConfirmImpact High).</summary>
    private void DeleteSelectedSet()
    {
        string ns = ResolvedNamespace;
        var pods = ListPods(ns, _selector);
        string what = _selector is null
            ? $"all {Count(pods.Count)} in namespace '{ns}'"
            : $"{Count(pods.Count)} matching '{_selector}' in namespace '{ns}'";
        if (pods.Count == 0)
        {
            WriteWarning(_selector is null ? $"No pods found in namespace '{ns}'." : $"No pods match '{_selector}' in namespace '{ns}'.");
            return;
        }

        string description = $"Deleting {what}.";
        string caption = "Remove-KPod";
        if (!ShouldProcess(description, $"Are you sure you want to delete {what}?", caption))
        {
            Declined += pods.Count;
            return;
        }

        // The cmdlet is declared Medium (single named pods); a selected set is High impact. ShouldProcess above
        // asked already when -Confirm was given or $ConfirmPreference is Medium or lower; otherwise ($ConfirmPreference
        // High, the default) ask here, once.
        if (!MyInvocation.BoundParameters.ContainsKey("Confirm")
            && GetVariableValue("ConfirmPreference") is ConfirmImpact.High
            && !ShouldContinue($"Delete {what}?", caption))
        {
            Declined += pods.Count;
            return;
        }

        foreach (var pod in pods)
        {
            Submit(new PodDeletion(pod.Namespace, pod.Name));
        }
    }

    private protected override Func<object, CancellationToken, Task<object?>> CreateOperation()
    {
        var deleter = new PodDeleter(Connection, _options!);
        if (deleter.GracePeriodSeconds is { } grace)
        {
            WriteVerbose($"Deleting with a grace period of {grace} s.");
        }

        return async (item, token) => await deleter.RunAsync((PodDeletion)item, token).ConfigureAwait(false);
    }

    private protected override void OnSucceeded(object done, object? result, int attempts)
    {
        var item = (PodDeletion)done;
        WriteVerbose(item.GoneBeforeRetry
            ? $"{PodTarget(item.Name, item.Namespace)} was already gone when the delete was retried ({attempts} attempts): an earlier attempt deleted it."
            : $"Deleted {PodTarget(item.Name, item.Namespace)}.");
        if (PassThru && item.Pod is { } pod)
        {
            WriteObject(pod);
        }
    }

    private protected override string DescribeTarget(object item) => ((PodDeletion)item).Name;

    private static string Count(int count) => count == 1 ? "1 pod" : $"{count} pods";
}
