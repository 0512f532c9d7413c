using System.Management.Automation;
using PodTools.Completers;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;
using PodTools.Engine.Nodes;
using PodTools.Engine.Pods;

namespace PodTools.Commands;

/// <summary>Get-KNode: nodes by name (wildcards), from the pipeline, or all of them, like kubectl get nodes.</summary>
[Cmdlet(VerbsCommon.Get, "KNode")]
[OutputType(typeof(KNode))]
public sealed class GetKNodeCommand : KubeCmdlet
{
    private string? _labelSelector;

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>A label selector in kubectl's grammar, e.g. "node-role.kubernetes.io/control-plane" or "gpu=true".</summary>
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
        var service = new NodeService(Connection);
        var query = new NameQuery(Name, listAlways: _labelSelector is not null);
        string? selector = _labelSelector;
        Pump((output, token) => query.WriteAsync(output, service.GetAsync,
            pageToken => service.ListPagesAsync(selector, cancellationToken: pageToken), item => item.Name,
            missing => new KubeEngineException("NodeNotFound", KubeErrorCategory.ObjectNotFound,
                $"nodes \"{missing}\" not found" + (selector is null ? "." : " matching the selector."), missing),
            token));
    }
}
