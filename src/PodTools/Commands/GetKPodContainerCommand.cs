using System.Management.Automation;
using PodTools.Completers;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;
using PodTools.Engine.Pods;
using PodTools.Engine.Pods.Create;

namespace PodTools.Commands;

/// <summary>
/// Get-KPodContainer: one object per container and init container of pods from the pipeline, or of pods read
/// by -Name (wildcards) in -Namespace.
/// </summary>
[Cmdlet(VerbsCommon.Get, "KPodContainer", DefaultParameterSetName = NameSet)]
[OutputType(typeof(KContainer))]
public sealed class GetKPodContainerCommand : NamespacedKubeCmdlet
{
    private const string NameSet = "Name";
    private const string PodSet = "Pod";

    /// <summary>Type name that selects the KPodContainer views (POD NAME IMAGE READY STATE RESTARTS PORTS INIT).</summary>
    internal const string ViewTypeName = "PodTools.Engine.Model.KContainer#KPodContainer";

    /// <summary>Pods from Get-KPod.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PodSet, ValueFromPipeline = true)]
    public KPod[]? InputObject { get; set; }

    /// <summary>Pod names; wildcards match client-side. Without it, every pod of the namespace.</summary>
    [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PodNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only containers whose name matches (wildcards).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    public string[]? ContainerName { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == PodSet)
        {
            foreach (var pod in InputObject ?? [])
            {
                foreach (var container in ContainersOf(pod))
                {
                    WriteObject(container);
                }
            }

            return;
        }

        var service = new PodService(Connection);
        string ns = ResolvedNamespace;
        var names = Name ?? [];
        var exact = names.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)).ToList();
        var patterns = names.Where(WildcardPattern.ContainsWildcardCharacters)
            .Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant))
            .ToList();
        Pump(async (output, token) =>
        {
            foreach (string name in exact)
            {
                try
                {
                    output.WriteObjects(ContainersOf(await service.GetAsync(ns, name, token).ConfigureAwait(false)));
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

            await foreach (var page in service.ListPagesAsync(new PodListRequest { Namespace = ns }, token).ConfigureAwait(false))
            {
                output.WriteObjects(page.Where(p => patterns.Count == 0 || patterns.Any(w => w.IsMatch(p.Name)))
                    .SelectMany(ContainersOf).ToList());
            }
        });
    }

    // The pod's containers wrapped for the KPodContainer views; PSObjects are plain objects, safe to make off the pipeline thread.
    private List<PSObject> ContainersOf(KPod pod)
    {
        var result = new List<PSObject>();
        var filters = (ContainerName ?? [])
            .Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant))
            .ToList();
        foreach (var container in PodExport.Containers(pod))
        {
            if (filters.Count > 0 && !filters.Any(f => f.IsMatch(container.Name)))
            {
                continue;
            }

            var item = new PSObject(container);
            item.TypeNames.Insert(0, ViewTypeName);
            result.Add(item);
        }

        return result;
    }
}
