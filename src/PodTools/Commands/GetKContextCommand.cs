using System.Management.Automation;
using PodTools.Completers;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;

namespace PodTools.Commands;

/// <summary>Get-KContext: the contexts of the resolved kubeconfig, marking the one in use.</summary>
[Cmdlet(VerbsCommon.Get, "KContext")]
[OutputType(typeof(KContext))]
public sealed class GetKContextCommand : KubeconfigCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ContextCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only the context commands use when -Context is not given.</summary>
    [Parameter]
    public SwitchParameter Current { get; set; }

    protected override void ProcessRecord()
    {
        IReadOnlyList<KContext> contexts;
        try
        {
            contexts = Connections.GetContexts(KubeconfigPath);
        }
        catch (KubeEngineException error)
        {
            ThrowEngineError(error);
            return;
        }

        foreach (var context in contexts)
        {
            if (Current && !context.IsCurrent)
            {
                continue;
            }

            if (Name is null || Name.Any(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase).IsMatch(context.Name)))
            {
                WriteObject(context);
            }
        }

        foreach (string missing in (Name ?? []).Where(n => !WildcardPattern.ContainsWildcardCharacters(n)
                     && !contexts.Any(c => c.Name == n)))
        {
            WriteError(ToErrorRecord(new KubeEngineException("ContextNotFound", KubeErrorCategory.ObjectNotFound,
                $"The context '{missing}' does not exist in the kubeconfig.", missing)));
        }
    }
}
