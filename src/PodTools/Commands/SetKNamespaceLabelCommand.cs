using System.Collections;
using System.Management.Automation;
using PodTools.Completers;
using PodTools.Engine.Labels;
using PodTools.Engine.Labels.Apply;
using PodTools.Engine.Model;

namespace PodTools.Commands;

/// <summary>Set-KNamespaceLabel: namespace labels with the semantics of Set-KPodLabel.</summary>
[Cmdlet(VerbsCommon.Set, "KNamespaceLabel", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(KNamespace))]
public sealed class SetKNamespaceLabelCommand : LabelCmdletBase
{
    /// <summary>Labels to set: key = value; a $null value removes the key.</summary>
    [Parameter(Position = 0)]
    public Hashtable? Label { get; set; }

    /// <summary>Namespace names; wildcards choose matching namespaces.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string[]? Name { get; set; }

    protected override MetadataResource Resource => MetadataResource.Namespace;

    protected override MetadataKind Kind => MetadataKind.Labels;

    protected override IDictionary? RequestedValues => Label;

    protected override string[]? TargetNames => Name;
}
