using System.Management.Automation;
using PodTools.Completers;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;
using PodTools.Engine.Pods;

namespace PodTools.Commands;

/// <summary>
/// Get-KPod: pods by name (wildcards), from the pipeline, or all of a namespace / every namespace, written page
/// by page as the server returns them.
/// </summary>
[Cmdlet(VerbsCommon.Get, "KPod", DefaultParameterSetName = NamespaceSet)]
[OutputType(typeof(KPod))]
public sealed class GetKPodCommand : NamespacedKubeCmdlet
{
    private const string NamespaceSet = "Namespace";
    private const string AllNamespacesSet = "AllNamespaces";

    /// <summary>Type name added to pods listed across namespaces, selecting the table view with NAMESPACE.</summary>
    internal const string AllNamespacesTypeName = "PodTools.Engine.Model.KPod#AllNamespaces";

    private string? _labelSelector;

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

    /// <summary>A field selector passed to the server, e.g. "status.phase=Running".</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? FieldSelector { get; set; }

    /// <summary>Pods per list request (limit); the next page is asked for with the server's continue token.</summary>
    [Parameter]
    [ValidateRange(1, 10000)]
    public int PageSize { get; set; } = PodService.DefaultPageSize;

    protected override void BeginProcessing()
    {
        // Selector syntax is checked before any request is made.
        try
        {
            _labelSelector = PodService.NormalizeSelector(Selector);
        }
        catch (KubeEngineException error)
        {
            ThrowEngineError(error);
        }
    }

    protected override void ProcessRecord()
    {
        var service = new PodService(Connection);
        string? listNamespace = AllNamespaces ? null : ResolvedNamespace;
        var names = Name ?? [];
        bool filtered = _labelSelector is not null || FieldSelector is not null || AllNamespaces;

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
            FieldSelector = FieldSelector,
            PageSize = PageSize,
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

    private object Decorate(KPod pod)
    {
        if (!AllNamespaces)
        {
            return pod;
        }

        var wrapped = new PSObject(pod);
        wrapped.TypeNames.Insert(0, AllNamespacesTypeName);
        return wrapped;
    }
}
