using System.Management.Automation;
using PodTools.Completers;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;
using PodTools.Engine.Namespaces;
using PodTools.Engine.Pods;

namespace PodTools.Commands;

/// <summary>Get-KNamespace: namespaces by name (wildcards), from the pipeline, or all of them, like kubectl get namespaces.</summary>
[Cmdlet(VerbsCommon.Get, "KNamespace")]
[OutputType(typeof(KNamespace))]
public sealed class GetKNamespaceCommand : KubeCmdlet
{
    private string? _labelSelector;

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string[]? Name { get; set; }

    /// <summary>A label selector in kubectl's grammar, e.g. "team=web,env in (dev,test)".</summary>
    [Parameter]
    [Alias("l")]
    [ValidateNotNullOrEmpty]
    public string? Selector { get; set; }

    protected override void BeginProcessing()
    {
        // Selector syntax is checked before any request is made.
        _labelSelector = PodSelection.Combine(Selector, labels: null, out var selectorError);
        if (selectorError is not null)
        {
            ThrowTerminatingError(selectorError);
        }
    }

    protected override void ProcessRecord()
    {
        var service = new NamespaceService(Connection);
        var query = new NameQuery(Name, listAlways: _labelSelector is not null);
        string? selector = _labelSelector;
        Pump((output, token) => query.WriteAsync(output, service.GetAsync,
            pageToken => service.ListPagesAsync(selector, cancellationToken: pageToken), item => item.Name,
            missing => new KubeEngineException("NamespaceNotFound", KubeErrorCategory.ObjectNotFound,
                $"namespaces \"{missing}\" not found" + (selector is null ? "." : " matching the selector."), missing),
            token));
    }
}
