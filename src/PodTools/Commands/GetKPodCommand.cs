using System.Collections;
using System.Management.Automation;
using PodTools.Completers;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;
using PodTools.Engine.Pods;
using PodTools.Engine.Pods.Watch;

namespace PodTools.Commands;

/// <summary>
/// Get-KPod: pods by name (wildcards), from the pipeline, or all of a namespace / every namespace, written page
/// by page as the server returns them; with -Watch, one event object per change until Ctrl+C or -Timeout.
/// </summary>
[Cmdlet(VerbsCommon.Get, "KPod", DefaultParameterSetName = NamespaceSet)]
[OutputType(typeof(KPod))]
[OutputType(typeof(KPodEvent))]
public sealed class GetKPodCommand : NamespacedKubeCmdlet
{
    private const string NamespaceSet = "Namespace";
    private const string AllNamespacesSet = "AllNamespaces";

    /// <summary>Type name added to pods listed across namespaces, selecting the table view with NAMESPACE.</summary>
    internal const string AllNamespacesTypeName = "PodTools.Engine.Model.KPod#AllNamespaces";

    /// <summary>Type name added to watch events across namespaces, selecting the event view with NAMESPACE.</summary>
    internal const string AllNamespacesEventTypeName = "PodTools.Engine.Model.KPodEvent#AllNamespaces";

    private string? _labelSelector;
    private string? _fieldSelector;
    private LabelColumnView? _labelColumns;

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PodNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter(ParameterSetName = NamespaceSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public override string? Namespace { get; set; }

    /// <summary>List pods of every namespace (kubectl -A).</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllNamespacesSet)]
    [Alias("A")]
    public SwitchParameter AllNamespaces { get; set; }

    /// <summary>A label selector in kubectl's grammar, e.g. "app=web,tier in (fe,be)".</summary>
    [Parameter]
    [Alias("l")]
    [ValidateNotNullOrEmpty]
    public string? Selector { get; set; }

    /// <summary>Label equality requirements as a hashtable (@{app='web'}), combined with -Selector.</summary>
    [Parameter]
    [Alias("MatchLabel")]
    [ValidateNotNull]
    public Hashtable? Label { get; set; }

    /// <summary>A field selector passed to the server, e.g. "status.phase=Running".</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? FieldSelector { get; set; }

    /// <summary>Only pods scheduled on this node (field selector spec.nodeName).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string? Node { get; set; }

    /// <summary>Only pods in this phase (field selector status.phase).</summary>
    [Parameter]
    [ValidateSet("Pending", "Running", "Succeeded", "Failed", "Unknown", IgnoreCase = true)]
    public string? Phase { get; set; }

    /// <summary>
    /// Pods per list request (limit); the next page is asked for with the server's continue token. Unset, the first
    /// request asks for 50 so the first pods show at once, and the later ones for 500.
    /// </summary>
    [Parameter]
    [ValidateRange(1, 10000)]
    public int PageSize { get; set; } = PodService.DefaultPageSize;

    /// <summary>After the current pods (as Added events), write one event per change until Ctrl+C or -Timeout.</summary>
    [Parameter]
    public SwitchParameter Watch { get; set; }

    /// <summary>With -Watch: stop watching after this many seconds (no error).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Timeout { get; set; }

    /// <summary>Label keys to show as extra columns (kubectl -L): one column per key, headed by the key's last segment.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? LabelColumn { get; set; }

    protected override void BeginProcessing()
    {
        // Selectors are checked before any request is made.
        _labelSelector = PodSelection.Combine(Selector, Label, out var selectorError);
        if (selectorError is not null)
        {
            ThrowTerminatingError(selectorError);
        }

        try
        {
            _fieldSelector = PodFieldSelector.Combine(FieldSelector, Node, Phase);
        }
        catch (ArgumentException error)
        {
            ThrowTerminatingError(new ErrorRecord(error, "InvalidPhase", ErrorCategory.InvalidArgument, Phase));
        }

        if (Timeout is not null && !Watch)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Timeout applies to -Watch only."), "TimeoutWithoutWatch",
                ErrorCategory.InvalidArgument, Timeout));
        }

        if (LabelColumn is { Length: > 0 })
        {
            var keys = LabelColumn.SelectMany(k => k.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Distinct(StringComparer.Ordinal).ToList();
            _labelColumns = new LabelColumnView(keys, AllNamespaces, forEvents: Watch);
            _labelColumns.EnsureLoaded(this);
        }
    }

    protected override void ProcessRecord()
    {
        if (Watch)
        {
            WatchPods();
            return;
        }

        var service = new PodService(Connection);
        string? listNamespace = AllNamespaces ? null : ResolvedNamespace;
        var names = Name ?? [];
        bool filtered = _labelSelector is not null || _fieldSelector is not null || AllNamespaces;

        // Exact names are fetched one by one unless a selector or -AllNamespaces asks for a filtered list.
        var exact = filtered ? [] : names.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)).ToList();
        var patterns = names.Except(exact)
            .Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant))
            .ToList();
        // Names without wildcards that must be found in the list (or be reported missing).
        var required = names.Except(exact).Where(n => !WildcardPattern.ContainsWildcardCharacters(n))
            .ToHashSet(StringComparer.Ordinal);
        var request = new PodListRequest
        {
            Namespace = listNamespace,
            LabelSelector = _labelSelector,
            FieldSelector = _fieldSelector,
            PageSize = MyInvocation.BoundParameters.ContainsKey(nameof(PageSize)) ? PageSize : null,
        };
        WriteVerbose(AllNamespaces ? "Listing pods in all namespaces." : $"Reading pods in namespace '{listNamespace}'.");

        Pump(async (output, token) =>
        {
            foreach (string name in exact)
            {
                try
                {
                    output.WriteObject(Decorate(await service.GetAsync(listNamespace!, name, token).ConfigureAwait(false)));
                }
                catch (KubeEngineException error) when (error.Category == KubeErrorCategory.ObjectNotFound)
                {
                    output.WriteError(error);
                }
            }

            if (names.Length > 0 && patterns.Count == 0)
            {
                return;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var page in service.ListPagesAsync(request, token).ConfigureAwait(false))
            {
                var matching = patterns.Count == 0 ? page : page.Where(pod => patterns.Any(p => p.IsMatch(pod.Name))).ToList();
                foreach (var pod in matching)
                {
                    seen.Add(pod.Name);
                }

                output.WriteObjects(matching.Select(Decorate).ToList());
            }

            foreach (string missing in required.Where(n => !seen.Contains(n)))
            {
                string where = listNamespace is null ? "in any namespace" : $"in namespace '{listNamespace}'";
                output.WriteError(new KubeEngineException("PodNotFound", KubeErrorCategory.ObjectNotFound,
                    $"pods \"{missing}\" not found {where}" + (filtered && !AllNamespaces ? " matching the selectors" : "") + ".",
                    missing));
            }
        });
    }

    /// <summary>-Watch: the current pods as Added events, then every change, resuming across watch expiry and 410 Gone.</summary>
    private void WatchPods()
    {
        var service = new PodWatchService(Connection);
        var request = new PodWatchRequest
        {
            Namespace = AllNamespaces ? null : ResolvedNamespace,
            LabelSelector = _labelSelector,
            FieldSelector = _fieldSelector,
            PageSize = PageSize,
        };
        var patterns = (Name ?? [])
            .Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant))
            .ToList();
        TimeSpan? limit = Timeout is int seconds ? TimeSpan.FromSeconds(seconds) : null;
        WriteVerbose($"Watching pods {(request.Namespace is null ? "in all namespaces" : $"in namespace '{request.Namespace}'")}"
                     + (limit is null ? " until stopped." : $" for {limit.Value.TotalSeconds} s."));

        Pump(async (output, token) =>
        {
            using var window = CancellationTokenSource.CreateLinkedTokenSource(token);
            if (limit is { } span)
            {
                window.CancelAfter(span);
            }

            try
            {
                await foreach (var change in service.WatchAsync(request, cancellationToken: window.Token).ConfigureAwait(false))
                {
                    if (patterns.Count == 0 || patterns.Any(p => p.IsMatch(change.Name)))
                    {
                        output.WriteObject(Decorate(change));
                    }
                }
            }
            catch (OperationCanceledException) when (window.IsCancellationRequested && !token.IsCancellationRequested)
            {
                // -Timeout elapsed: the watch ends normally.
            }
        });
    }

    private object Decorate(KPod pod) => Decorate(pod, pod, AllNamespacesTypeName);

    private object Decorate(KPodEvent change) => Decorate(change, change.Pod, AllNamespacesEventTypeName);

    /// <summary>
    /// Selects the row's view by type name: the NAMESPACE variant with -AllNamespaces, and over it the generated
    /// -LabelColumn view, so views chosen by name (Format-Table -View Wide) still find the NAMESPACE variant.
    /// </summary>
    private object Decorate(object row, KPod pod, string allNamespacesTypeName)
    {
        if (!AllNamespaces && _labelColumns is null)
        {
            return row;
        }

        var wrapped = new PSObject(row);
        if (AllNamespaces)
        {
            wrapped.TypeNames.Insert(0, allNamespacesTypeName);
        }

        _labelColumns?.Decorate(wrapped, pod);
        return wrapped;
    }
}
