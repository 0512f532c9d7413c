using System.Collections;
using System.Management.Automation;
using PodTools.Engine.Labels;
using PodTools.Engine.Model;

namespace PodTools.Commands;

/// <summary>New-KContainerSpec: one container for New-KPod -Container, checked as the API server checks its name.</summary>
[Cmdlet(VerbsCommon.New, "KContainerSpec")]
[OutputType(typeof(KContainerSpec))]
public sealed class NewKContainerSpecCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Image { get; set; } = "";

    [Parameter]
    public string[]? Command { get; set; }

    [Parameter]
    [Alias("Args")]
    public string[]? Argument { get; set; }

    [Parameter]
    [ValidateRange(1, 65535)]
    public int[]? Port { get; set; }

    [Parameter]
    public IDictionary? Env { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? WorkingDirectory { get; set; }

    [Parameter]
    [ValidateSet("Always", "IfNotPresent", "Never")]
    public string? ImagePullPolicy { get; set; }

    protected override void ProcessRecord()
    {
        // Container names are DNS-1123 labels; refusing one here beats a 422 from New-KPod later.
        var problems = LabelRules.IsDNS1123Label(Name);
        if (problems.Count > 0)
        {
            ThrowTerminatingError(new ErrorRecord(
                new PSArgumentException($"Invalid container name \"{Name}\": {string.Join("; ", problems)}", nameof(Name)),
                "InvalidName", ErrorCategory.InvalidArgument, Name));
        }

        WriteObject(new KContainerSpec
        {
            Name = Name,
            Image = Image,
            Command = Command,
            Arguments = Argument,
            Ports = Port ?? [],
            Env = PowerShellValues.Pairs(Env),
            WorkingDirectory = WorkingDirectory,
            ImagePullPolicy = ImagePullPolicy,
        });
    }
}
