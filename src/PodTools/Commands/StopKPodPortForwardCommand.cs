using System.Management.Automation;
using PodTools.Engine.Model;

namespace PodTools.Commands;

/// <summary>
/// Stop-KPodPortForward: stops port-forwards started in this session: the ones piped in, those of a pod (-Name), or
/// all of them.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "KPodPortForward", DefaultParameterSetName = InputObjectSet, SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class StopKPodPortForwardCommand : PSCmdlet
{
    private const string InputObjectSet = "InputObject";
    private const string NameSet = "Name";
    private const string AllSet = "All";

    /// <summary>Sessions from Start-KPodPortForward.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public KPortForward[]? InputObject { get; set; }

    /// <summary>Stop the forwards to these pods (wildcards allowed).</summary>
    [Parameter(Mandatory = true, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    /// <summary>Stop every forward of this session.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    protected override void ProcessRecord()
    {
        IEnumerable<KPortForward> chosen = ParameterSetName switch
        {
            InputObjectSet => InputObject ?? [],
            NameSet => PortForwardSessions.List().Where(s => Name!.Any(n =>
                WildcardPattern.Get(n, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant).IsMatch(s.Pod))),
            _ => PortForwardSessions.List(),
        };

        foreach (var session in chosen)
        {
            if (!ShouldProcess($"port-forward 127.0.0.1:{session.LocalPort} to pod '{session.Pod}' in namespace '{session.Namespace}' port {session.RemotePort}", "Stop"))
            {
                continue;
            }

            session.StopAsync().GetAwaiter().GetResult();
            PortForwardSessions.Remove(session);
            WriteVerbose($"Stopped forwarding 127.0.0.1:{session.LocalPort} after {session.Connections} connections.");
        }
    }
}
