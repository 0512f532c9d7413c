using System.Collections;
using System.Management.Automation;
using PodTools.Engine.Labels;
using PodTools.Engine.Model;

namespace PodTools.Commands;

/// <summary>Set-KPodLabel: adds, changes (-Overwrite) and removes pod labels, one merge patch per pod, concurrently.</summary>
[Cmdlet(VerbsCommon.Set, "KPodLabel", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(KPod))]
public sealed class SetKPodLabelCommand : PodLabelCmdletBase
{
    /// <summary>Labels to set: key = value; a $null value removes the key.</summary>
    [Parameter(Position = 0)]
    public Hashtable? Label { get; set; }

    protected override MetadataKind Kind => MetadataKind.Labels;

    protected override IDictionary? RequestedValues => Label;
}
