using System.Management.Automation;
using PodTools.Engine.Pods.Create;

namespace PodTools.Commands;

/// <summary>
/// ConvertTo-KJson: pods as <c>kubectl get -o json</c> prints them (several become one List); -Clean leaves out
/// what the server set so the text can be created again.
/// </summary>
[Cmdlet(VerbsData.ConvertTo, "KJson")]
[OutputType(typeof(string))]
public sealed class ConvertToKJsonCommand : PodConverterCmdlet
{
    private protected override string Convert(IReadOnlyList<object> pods, bool clean) => PodExport.ToJson(pods, clean);
}
