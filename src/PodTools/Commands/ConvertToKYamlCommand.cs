using System.Management.Automation;
using PodTools.Engine.Pods.Create;

namespace PodTools.Commands;

/// <summary>
/// ConvertTo-KYaml: pods as <c>kubectl get -o yaml</c> prints them (several become one List); -Clean leaves out
/// what the server set so the text can be created again.
/// </summary>
[Cmdlet(VerbsData.ConvertTo, "KYaml")]
[OutputType(typeof(string))]
public sealed class ConvertToKYamlCommand : PodConverterCmdlet
{
    private protected override string Convert(IReadOnlyList<object> pods, bool clean) => PodExport.ToYaml(pods, clean);
}
