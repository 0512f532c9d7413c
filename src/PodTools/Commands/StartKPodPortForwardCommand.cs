using System.Management.Automation;
using PodTools.Completers;
using PodTools.Engine.Containers;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;

namespace PodTools.Commands;

/// <summary>
/// Start-KPodPortForward: forwards local ports to a pod in the background and returns one KPortForward per
/// mapping; they run until Stop-KPodPortForward (or the end of the session).
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "KPodPortForward")]
[OutputType(typeof(KPortForward))]
public sealed class StartKPodPortForwardCommand : NamespacedKubeCmdlet
{
    /// <summary>The pod (also from the pipeline by property name, e.g. a Get-KPod object).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>Ports as kubectl writes them: LOCAL:REMOTE, REMOTE (same local port), or :REMOTE (any free local port).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string[] Port { get; set; } = [];

    protected override void ProcessRecord()
    {
        IReadOnlyList<PortMapping> mappings = [];
        try
        {
            mappings = PortMapping.ParseAll(Port);
        }
        catch (KubeEngineException error)
        {
            ThrowEngineError(error);
        }

        var service = new PortForwardService(Connection);
        string ns = ResolvedNamespace;
        string name = Name;
        var sessions = Await(token => service.StartAsync(ns, name, mappings, token));
        foreach (var session in sessions ?? [])
        {
            PortForwardSessions.Add(session);
            WriteVerbose($"Forwarding from 127.0.0.1:{session.LocalPort} to port {session.RemotePort} of pod '{name}' in namespace '{ns}'.");
            WriteObject(session);
        }
    }
}
