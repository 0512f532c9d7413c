using System.Collections.ObjectModel;
using System.Management.Automation;
using PodTools.Completers;
using PodTools.Engine.Containers;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;

namespace PodTools.Commands;

/// <summary>
/// Invoke-KPodPortForward: forwards local ports to a pod only while a script block runs; the forwards are stopped
/// when it ends, fails or is interrupted. The block gets the sessions in $_ and as its arguments, so it can read the
/// local ports picked for ":REMOTE" mappings.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "KPodPortForward")]
[OutputType(typeof(object))]
public sealed class InvokeKPodPortForwardCommand : NamespacedKubeCmdlet
{
    /// <summary>The pod (also from the pipeline by property name).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>Ports as LOCAL:REMOTE, REMOTE, or :REMOTE.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string[] Port { get; set; } = [];

    /// <summary>What to run while the ports are forwarded; its output is this cmdlet's output.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNull]
    public ScriptBlock? ScriptBlock { get; set; }

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
        if (sessions is null || sessions.Count == 0)
        {
            return;
        }

        try
        {
            foreach (var session in sessions)
            {
                WriteVerbose($"Forwarding from 127.0.0.1:{session.LocalPort} to port {session.RemotePort} of pod '{name}' in namespace '{ns}'.");
            }

            object input = sessions.Count == 1 ? sessions[0] : sessions.ToArray();
            Collection<PSObject> output = ScriptBlock!.InvokeWithContext(null,
                [new PSVariable("_", input)], sessions.Cast<object>().ToArray());
            foreach (var item in output)
            {
                WriteObject(item);
            }
        }
        finally
        {
            foreach (var session in sessions)
            {
                session.StopAsync().Wait(TimeSpan.FromSeconds(5));
                WriteVerboseSafe($"Stopped forwarding 127.0.0.1:{session.LocalPort} after {session.Connections} connections.");
            }
        }
    }

    private void WriteVerboseSafe(string message)
    {
        try
        {
            WriteVerbose(message);
        }
        catch (PipelineStoppedException)
        {
            // Interrupted: the forwards are stopped all the same.
        }
    }
}
