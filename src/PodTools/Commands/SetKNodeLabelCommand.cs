using System.Collections;
using System.Management.Automation;
using PodTools.Completers;
using PodTools.Engine.Labels;
using PodTools.Engine.Labels.Apply;
using PodTools.Engine.Model;

namespace PodTools.Commands;

/// <summary>Set-KNodeLabel: node labels with the semantics of Set-KPodLabel (-Overwrite to change, $null or -Remove to drop).</summary>
[Cmdlet(VerbsCommon.Set, "KNodeLabel", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(KNode))]
public sealed class SetKNodeLabelCommand : LabelCmdletBase
{
    /// <summary>Labels to set: key = value; a $null value removes the key.</summary>
    [Parameter(Position = 0)]
    public Hashtable? Label { get; set; }

    /// <summary>Node names; wildcards choose matching nodes.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string[]? Name { get; set; }

    protected override MetadataResource Resource => MetadataResource.Node;

    protected override MetadataKind Kind => MetadataKind.Labels;

    protected override IDictionary? RequestedValues => Label;

    protected override string[]? TargetNames => Name;
}
