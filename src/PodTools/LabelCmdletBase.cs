using System.Collections;
using System.Management.Automation;
using System.Threading.Channels;
using PodTools.Engine.Bulk;
using PodTools.Engine.Errors;
using PodTools.Engine.Labels;
using PodTools.Engine.Labels.Apply;
using PodTools.Engine.Selectors;

namespace PodTools;

/// <summary>
/// Shared body of Set-KPodLabel, Set-KPodAnnotation, Set-KNodeLabel and Set-KNamespaceLabel: turns the hashtable,
/// -Remove and -Overwrite into one validated change, resolves the objects (pipeline, -Name, -Selector/-MatchLabel,
/// -All), asks ShouldProcess once per object with the per-key diff, and feeds the objects into one running bulk
/// run while input is still arriving. Results, errors and progress are written on the pipeline thread only.
/// </summary>
public abstract class LabelCmdletBase : KubeCmdlet
{
    protected const string NameSet = "Name";
    protected const string SelectorSet = "Selector";
    protected const string MatchLabelSet = "MatchLabel";
    protected const string AllSet = "All";
    protected const string InputObjectSet = "InputObject";

    private LabelChange? _change;
    private MetadataEditService? _service;
    private string? _selector;
    private PipelineBulkRun<WorkItem, MetadataEditResult>? _bulk;
    private bool? _previewing;
    private bool? _verbose;
    private int _targets;
    private int _changed;
    private int _unchanged;
    private int _failed;
    private int _refused;
    private int _declined;
    private readonly System.Diagnostics.Stopwatch _clock = new();

    /// <summary>Keys to remove (same as giving them a $null value).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Remove { get; set; }

    /// <summary>Allow changing a key that already has a different value (kubectl --overwrite).</summary>
    [Parameter]
    public SwitchParameter Overwrite { get; set; }

    /// <summary>Write each object after the change.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Most requests in flight at once.</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int ThrottleLimit { get; set; } = 16;

    /// <summary>A label selector in kubectl's grammar choosing the objects to change.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SelectorSet)]
    [Alias("l")]
    [ValidateNotNullOrEmpty]
    public string? Selector { get; set; }

    /// <summary>Equality selection as a hashtable (Kubernetes matchLabels): the objects whose labels have all these values.</summary>
    [Parameter(ParameterSetName = SelectorSet)]
    [Parameter(Mandatory = true, ParameterSetName = MatchLabelSet)]
    [ValidateNotNull]
    public Hashtable? MatchLabel { get; set; }

    /// <summary>Change every object (every pod of the namespace).</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    /// <summary>Send this resourceVersion as a precondition: the change fails with Conflict if the object changed since.</summary>
    [Parameter(ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    public string? ResourceVersion { get; set; }

    /// <summary>Pods, nodes or namespaces.</summary>
    protected abstract MetadataResource Resource { get; }

    /// <summary>Labels or annotations.</summary>
    protected abstract MetadataKind Kind { get; }

    /// <summary>The positional hashtable: key to new value, $null to remove.</summary>
    protected abstract IDictionary? RequestedValues { get; }

    /// <summary>-Name of the current record.</summary>
    protected abstract string[]? TargetNames { get; }

    /// <summary>The namespace pods are looked up in; null for cluster-scoped objects.</summary>
    protected virtual string? TargetNamespace => null;

    /// <summary>The object bound from the pipeline in the InputObject set, with its known labels.</summary>
    protected virtual MetadataTarget? PipelineTarget => null;

    /// <summary>True to send a pipeline object's resourceVersion as a precondition (-IfUnchanged).</summary>
    protected virtual bool UsePipelineResourceVersion => false;

    private string Noun => Kind == MetadataKind.Labels ? "label" : "annotation";

    private string KindName => MetadataEditService.KindOf(Resource);

    protected override void BeginProcessing()
    {
        _clock.Start();
        var set = ToPairs(RequestedValues);
        if (set.Count == 0 && (Remove is null || Remove.Length == 0))
        {
            // kubectl's wording.
            Terminate(new ArgumentException($"at least one {Noun} update is required"), "NothingToChange", ErrorCategory.InvalidArgument, null);
        }

        try
        {
            _change = Kind == MetadataKind.Labels
                ? LabelChange.ForLabels(set, Remove, Overwrite)
                : LabelChange.ForAnnotations(set, Remove, Overwrite);
        }
        catch (InvalidLabelException error)
        {
            Terminate(error, InvalidId(error), ErrorCategory.InvalidArgument, error.Key);
        }
        catch (ArgumentException error)
        {
            Terminate(error, Kind == MetadataKind.Labels ? "InvalidLabelChange" : "InvalidAnnotationChange", ErrorCategory.InvalidArgument, null);
        }

        if (ParameterSetName is SelectorSet or MatchLabelSet)
        {
            // Checked before any request: a broken selector must not relabel anything.
            _selector = PodSelection.Combine(Selector, MatchLabel, out var selectorError);
            if (selectorError is not null)
            {
                ThrowTerminatingError(selectorError);
            }
        }
    }

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case InputObjectSet:
                if (PipelineTarget is { } target)
                {
                    Submit(target, UsePipelineResourceVersion ? target.ResourceVersion : null);
                }

                break;
            case NameSet:
                ResolveNames();
                break;
            default:
                // -Selector, -MatchLabel, -All: one list, edited page by page as it arrives.
                ResolveList(_selector, filter: null, resourceVersion: null);
                break;
        }

        Bulk.WriteReady();
    }

    protected override void EndProcessing() => WriteVerbose(SummaryText(Bulk.Complete()));

    /// <summary>The service that plans and applies the change (connects on first use).</summary>
    private MetadataEditService Service => _service ??= new MetadataEditService(Connection, Resource, _change!) { ReturnObjects = PassThru };

    /// <summary>The one bulk run of this command; it starts with the first object that needs a request.</summary>
    private PipelineBulkRun<WorkItem, MetadataEditResult> Bulk => _bulk ??= new(this, KindName, CreateOperation,
        new BulkOptions { ThrottleLimit = ThrottleLimit }, Handle)
    {
        StopDetails = () => $"{_refused} refused, {_unchanged} already as requested",
    };

    // -WhatIf, or a -Confirm prompt ahead: the per-key diff must show real old values, so objects named without
    // their values are read first. A plain run skips that read unless the overwrite check needs it.
    private bool Previewing => _previewing ??=
        IsTrue(MyInvocation.BoundParameters, "WhatIf") || LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"))
        || IsTrue(MyInvocation.BoundParameters, "Confirm")
        || (GetVariableValue("ConfirmPreference") is ConfirmImpact preference && preference != ConfirmImpact.None && preference <= ConfirmImpact.Medium);

    // Per-object verbose lines cost a few strings each; a thousand-pod run without -Verbose should not build them.
    private bool VerboseEnabled => _verbose ??=
        MyInvocation.BoundParameters.TryGetValue("Verbose", out object? bound)
            ? LanguagePrimitives.IsTrue(bound)
            : GetVariableValue("VerbosePreference") is ActionPreference preference && preference != ActionPreference.SilentlyContinue && preference != ActionPreference.Ignore;

    private void ResolveNames()
    {
        string? ns = TargetNamespace;
        var patterns = new List<WildcardPattern>();
        foreach (string name in TargetNames ?? [])
        {
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                patterns.Add(new WildcardPattern(name, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant));
                continue;
            }

            if (Previewing)
            {
                var service = Service;
                var read = Await(token => service.ReadAsync(name, ns, token));
                if (read is not null)
                {
                    Submit(read, ResourceVersion);
                }
                else
                {
                    // Await wrote the error (e.g. PodNotFound).
                    _failed++;
                }
            }
            else
            {
                Submit(new MetadataTarget(Resource, name, ns), ResourceVersion);
            }
        }

        if (patterns.Count > 0)
        {
            ResolveList(null, target => patterns.Any(p => p.IsMatch(target.Name)), ResourceVersion);
        }
    }

    /// <summary>Lists on a worker and submits each page on the pipeline thread as it arrives, writing outcomes meanwhile.</summary>
    private void ResolveList(string? selector, Func<MetadataTarget, bool>? filter, string? resourceVersion)
    {
        var service = Service;
        string? ns = TargetNamespace;
        WriteVerbose($"Listing {KindName}s" + (ns is null ? "" : $" in namespace '{ns}'") + (selector is null ? "." : $" matching '{selector}'."));
        // Two pages ahead at most: the list runs no faster than the pipeline can take it.
        var pages = Channel.CreateBounded<IReadOnlyList<MetadataTarget>>(2);
        var token = CancelToken;
        _ = Bulk.RunInBackground(async () =>
        {
            try
            {
                await foreach (var page in service.ListAsync(ns, selector, cancellationToken: token).ConfigureAwait(false))
                {
                    await pages.Writer.WriteAsync(page, token).ConfigureAwait(false);
                }

                pages.Writer.TryComplete();
            }
            catch (Exception error)
            {
                pages.Writer.TryComplete(error);
            }
        });

        while (true)
        {
            Bulk.WriteReady();
            if (pages.Reader.TryRead(out var page))
            {
                foreach (var target in page)
                {
                    if (filter is null || filter(target))
                    {
                        Submit(target, resourceVersion);
                    }
                }

                continue;
            }

            if (pages.Reader.Completion.IsCompleted)
            {
                break;
            }

            Bulk.WaitAndWriteReady(pages.Reader.WaitToReadAsync(token).AsTask());
        }

        try
        {
            pages.Reader.Completion.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (KubeEngineException error)
        {
            _failed++;
            WriteError(ToErrorRecord(error));
        }
    }

    /// <summary>Plans one object, refuses or skips it without a request when that is the answer, else asks ShouldProcess and queues it.</summary>
    private void Submit(MetadataTarget target, string? resourceVersion)
    {
        _targets++;
        if (resourceVersion is not null && _targets > 1 && ResourceVersion is not null)
        {
            // kubectl's rule: one precondition cannot hold for several objects.
            _failed++;
            WriteError(new ErrorRecord(new ArgumentException($"-ResourceVersion may only be used with a single {KindName}; {target.Description} was not changed."),
                "ResourceVersionNeedsOneObject", ErrorCategory.InvalidArgument, target.Name));
            return;
        }

        var service = Service;
        var plan = service.Plan(target, resourceVersion);
        if (service.Refusal(target, plan) is { } refusal)
        {
            _refused++;
            WriteRefusal(refusal);
            return;
        }

        if (plan.IsNoOp && resourceVersion is null)
        {
            _unchanged++;
            WriteVerbose($"{target.Description} not {Noun}ed: already as requested.");
            if (PassThru && target.Source is not null)
            {
                WriteObject(target.Source);
            }

            return;
        }

        string changes = string.Join(", ", plan.Describe());
        string verb = Kind == MetadataKind.Labels ? "Set labels" : "Set annotations";
        if (!ShouldProcess($"{verb} on {target.Description}: {changes}", $"{verb} on {target.Description} ({changes})?", "Confirm"))
        {
            _declined++;
            return;
        }

        Bulk.Submit(new WorkItem(target, resourceVersion));
    }

    private Func<WorkItem, CancellationToken, Task<MetadataEditResult>> CreateOperation()
    {
        var service = Service;
        return (item, token) => service.ApplyAsync(item.Target, item.ResourceVersion, token);
    }

    private void Handle(BulkOutcome<WorkItem, MetadataEditResult> outcome)
    {
        switch (outcome.Status)
        {
            case BulkItemStatus.Succeeded:
                var result = outcome.Result!;
                if (result.Changed)
                {
                    _changed++;
                    if (VerboseEnabled)
                    {
                        WriteVerbose($"{result.Target.Description} {Noun}ed: {string.Join(", ", result.Plan.Describe())}");
                    }
                }
                else
                {
                    _unchanged++;
                    if (VerboseEnabled)
                    {
                        WriteVerbose($"{result.Target.Description} not {Noun}ed: already as requested.");
                    }
                }

                if (PassThru && result.Output is not null)
                {
                    WriteObject(result.Output);
                }

                break;
            case BulkItemStatus.Failed:
                var error = outcome.Error as KubeEngineException
                    ?? new KubeEngineException("KubernetesError", KubeErrorCategory.NotSpecified,
                        $"{outcome.Item.Target.Description}: {outcome.Error?.Message}", outcome.Item.Target.Name, outcome.Error);
                if (error.ErrorId is "LabelExists" or "AnnotationExists")
                {
                    // A named object read inside the run turned out to hold a different value.
                    _refused++;
                    WriteRefusal(error);
                }
                else
                {
                    _failed++;
                    WriteError(ToErrorRecord(error));
                }

                break;
        }
    }

    private void WriteRefusal(KubeEngineException refusal)
    {
        var record = ToErrorRecord(refusal);
        record.ErrorDetails = new ErrorDetails(refusal.Message)
        {
            RecommendedAction = $"Add -Overwrite to replace the existing value, or leave the {Noun} out.",
        };
        WriteError(record);
    }

    private string SummaryText(BulkSummary? summary)
    {
        string text = $"{MyInvocation.MyCommand.Name}: {_targets} {KindName}s: {_changed} {Noun}ed, {_unchanged} unchanged, " +
                      $"{_failed} failed, {_refused} refused without -Overwrite";
        if (_declined > 0)
        {
            text += $", {_declined} skipped";
        }

        return summary is null
            ? text + $" in {_clock.Elapsed.TotalSeconds:0.0#} s."
            : text + $" ({summary.Retries} retries) in {_clock.Elapsed.TotalSeconds:0.0#} s.";
    }

    private static bool IsTrue(Dictionary<string, object> bound, string name) =>
        bound.TryGetValue(name, out object? value) && LanguagePrimitives.IsTrue(value);

    private string InvalidId(InvalidLabelException error) =>
        (Kind == MetadataKind.Labels ? "InvalidLabel" : "InvalidAnnotation") + (error.IsKeyProblem ? "Key" : "Value");

    private void Terminate(Exception error, string id, ErrorCategory category, object? target) =>
        ThrowTerminatingError(new ErrorRecord(error, id, category, target));

    /// <summary>Hashtable entries as string pairs; $null values stay null (they mean "remove" or "exists").</summary>
    private static List<KeyValuePair<string, string?>> ToPairs(IDictionary? map)
    {
        var pairs = new List<KeyValuePair<string, string?>>();
        if (map is null)
        {
            return pairs;
        }

        foreach (DictionaryEntry entry in map)
        {
            string key = LanguagePrimitives.ConvertTo<string>(entry.Key) ?? "";
            object? value = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;
            pairs.Add(new KeyValuePair<string, string?>(key, value is null ? null : LanguagePrimitives.ConvertTo<string>(value)));
        }

        return pairs;
    }

    private sealed record WorkItem(MetadataTarget Target, string? ResourceVersion);
}

/// <summary>
/// The pod flavour of <see cref="LabelCmdletBase"/>: pods from the pipeline (with -IfUnchanged), by -Name in a
/// namespace, or chosen by selector or -All in a namespace.
/// </summary>
public abstract class PodLabelCmdletBase : LabelCmdletBase
{
    /// <summary>Pods from Get-KPod; their labels and annotations as read are the base of the overwrite check.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public PodTools.Engine.Model.KPod? InputObject { get; set; }

    /// <summary>Names of pods in -Namespace; wildcards choose matching pods.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PodTools.Completers.PodNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>The namespace of the pods; the context's namespace when not given.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [Parameter(ParameterSetName = SelectorSet)]
    [Parameter(ParameterSetName = MatchLabelSet)]
    [Parameter(ParameterSetName = AllSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodTools.Completers.NamespaceCompleter))]
    public string? Namespace { get; set; }

    /// <summary>Send each pipeline pod's resourceVersion as a precondition: a pod changed since it was read gets a Conflict error.</summary>
    [Parameter(ParameterSetName = InputObjectSet)]
    public SwitchParameter IfUnchanged { get; set; }

    protected override MetadataResource Resource => MetadataResource.Pod;

    protected override string[]? TargetNames => Name;

    protected override string? TargetNamespace => string.IsNullOrEmpty(Namespace) ? Connection.DefaultNamespace : Namespace;

    protected override MetadataTarget? PipelineTarget => InputObject is null ? null : MetadataTarget.FromPod(InputObject);

    protected override bool UsePipelineResourceVersion => IfUnchanged;
}
