using System.Management.Automation;
using PodTools.Completers;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;

namespace PodTools.Commands;

/// <summary>
/// Use-KContext: makes a context current for this session; with -Persist also writes current-context to the
/// kubeconfig file (that one line only).
/// </summary>
[Cmdlet(VerbsOther.Use, "KContext", SupportsShouldProcess = true)]
[OutputType(typeof(KContext))]
public sealed class UseKContextCommand : KubeconfigCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContextCompleter))]
    public string Name { get; set; } = "";

    /// <summary>Also write current-context to the kubeconfig file, as kubectl config use-context does.</summary>
    [Parameter]
    public SwitchParameter Persist { get; set; }

    /// <summary>Write the context that is now current.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var kubeconfig = Connections.GetKubeconfig(KubeconfigPath);
            var context = kubeconfig.ResolveContext(Name);
            if (Persist)
            {
                string file = kubeconfig.FileToModify;
                if (!ShouldProcess($"kubeconfig '{file}'", $"Set current-context to '{context.Name}'"))
                {
                    return;
                }

                KubeconfigEditor.SetCurrentContext(file, context.Name);
                kubeconfig = Connections.GetKubeconfig(KubeconfigPath);
            }
            else if (!ShouldProcess($"context '{context.Name}'", "Use for this session"))
            {
                return;
            }

            Connections.SetSessionContext(kubeconfig, context.Name);
            if (PassThru)
            {
                WriteObject(Connections.GetContexts(KubeconfigPath).First(c => c.Name == context.Name));
            }
        }
        catch (KubeEngineException error)
        {
            WriteError(ToErrorRecord(error));
        }
    }
}
