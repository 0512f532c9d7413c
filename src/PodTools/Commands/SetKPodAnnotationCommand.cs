using System.Collections;
using System.Management.Automation;
using PodTools.Engine.Labels;
using PodTools.Engine.Model;

namespace PodTools.Commands;

/// <summary>Set-KPodAnnotation: adds, changes (-Overwrite) and removes pod annotations, one merge patch per pod, concurrently.</summary>
[Cmdlet(VerbsCommon.Set, "KPodAnnotation", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(KPod))]
public sealed class SetKPodAnnotationCommand : PodLabelCmdletBase
{
    /// <summary>Annotations to set: key = value (any text); a $null value removes the key.</summary>
    [Parameter(Position = 0)]
    public Hashtable? Annotation { get; set; }

    protected override MetadataKind Kind => MetadataKind.Annotations;

    protected override IDictionary? RequestedValues => Annotation;
}
