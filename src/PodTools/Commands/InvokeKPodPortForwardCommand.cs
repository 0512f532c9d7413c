using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.ExceptionServices;
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

    /// <summary>What to run while the ports are forwarded; its output streams down the pipeline as it is written.</summary>
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

            object dollarUnder = sessions.Count == 1 ? sessions[0] : sessions.ToArray();
            RunScriptBlock(dollarUnder, sessions.Cast<object>().ToArray());
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

    /// <summary>
    /// Runs the block in a new scope with the sessions in $_ and as its arguments. Its output goes down the pipeline
    /// as it is written, as with ForEach-Object, so a downstream Select-Object -First can end it early; its errors
    /// stay non-terminating, and a terminating error (or a stopped pipeline) leaves this method as an exception.
    /// </summary>
    private void RunScriptBlock(object dollarUnder, object[] arguments)
    {
        if (ScriptBlock!.Module != SessionState.Module)
        {
            // A block from another session state (a module function passing on a block written elsewhere) cannot
            // see the wrapper's $_, and no public API streams a block with $_ set, so its output comes at the end.
            foreach (var item in ScriptBlock.InvokeWithContext(null, [new PSVariable("_", dollarUnder)], arguments))
            {
                WriteObject(item);
            }

            return;
        }

        try
        {
            InvokeCommand.InvokeScript(RunBlockScript, useNewScope: true,
                PipelineResultTypes.Output | PipelineResultTypes.Error, input: null, ScriptBlock, dollarUnder, arguments);
        }
        catch (CmdletInvocationException wrapped) when (wrapped.InnerException is { } error && IsFromRunBlockScript(wrapped))
        {
            // Invoke-Command wrapped a runtime error of the block; rethrown as it was, it is reported against this
            // command instead of the wrapper's line.
            ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    /// <summary>
    /// The script that runs the block: InvokeScript streams to this command's output only for script text.
    /// Invoke-Command does not set $_, so the wrapper defines it and the block finds it by scope lookup (both run in
    /// the caller's session state); Invoke-Command passes the arguments without leaving wrapper variables in the
    /// block's view, and is module-qualified so that a function of that name cannot take its place.
    /// </summary>
    private const string RunBlockScript = "$_ = $args[1]\n" + InvokeBlockLine;

    private const string InvokeBlockLine = @"Microsoft.PowerShell.Core\Invoke-Command -ScriptBlock $args[0] -ArgumentList $args[2]";

    /// <summary>
    /// Whether Invoke-Command in the wrapper wrapped the error, which then points at the wrapper's line. (The error
    /// record keeps no bound parameters, so the line is what tells the wrapper from the block's own Invoke-Command.)
    /// </summary>
    private static bool IsFromRunBlockScript(CmdletInvocationException error) =>
        error.ErrorRecord.InvocationInfo is { } invocation
        && string.IsNullOrEmpty(invocation.ScriptName)
        && invocation.Line?.Trim() == InvokeBlockLine;

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
