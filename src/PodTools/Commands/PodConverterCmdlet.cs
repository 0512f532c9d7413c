using System.Management.Automation;
using PodTools.Engine.Pods.Create;

namespace PodTools.Commands;

/// <summary>What ConvertTo-KYaml and ConvertTo-KJson share: pipeline input of pods, -Clean, one text at the end.</summary>
public abstract class PodConverterCmdlet : PSCmdlet
{
    private readonly List<object> _pods = [];

    /// <summary>Pods from Get-KPod (or raw Kubernetes pod objects).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowNull]
    public PSObject? InputObject { get; set; }

    /// <summary>Leave out status, managedFields, uid, resourceVersion, creationTimestamp and other server-set fields.</summary>
    [Parameter]
    public SwitchParameter Clean { get; set; }

    protected override void ProcessRecord()
    {
        object? pod = InputObject?.BaseObject;
        if (!PodExport.IsPod(pod))
        {
            WriteError(new ErrorRecord(
                new PSArgumentException($"{MyInvocation.MyCommand.Name} converts pods (from Get-KPod); a {pod?.GetType().Name ?? "null"} is not one."),
                "InputNotAPod", ErrorCategory.InvalidArgument, pod));
            return;
        }

        _pods.Add(pod!);
    }

    protected override void EndProcessing()
    {
        if (_pods.Count > 0)
        {
            WriteObject(Convert(_pods, Clean.IsPresent));
        }
    }

    private protected abstract string Convert(IReadOnlyList<object> pods, bool clean);
}
