using System.Management.Automation;
using PodTools.Completers;
using PodTools.Engine.Containers;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;

namespace PodTools.Commands;

/// <summary>
/// Get-KPodLog: container logs as one KPodLogLine per line. One log shows just its lines; several (more pods or
/// -AllContainers) show a pod/container prefix. -Follow keeps every stream open and merges the lines as they
/// arrive until Ctrl+C.
/// </summary>
[Cmdlet(VerbsCommon.Get, "KPodLog")]
[OutputType(typeof(KPodLogLine))]
public sealed class GetKPodLogCommand : NamespacedKubeCmdlet
{
    /// <summary>Type name of lines from several logs: the default view prefixes them with pod/container.</summary>
    internal const string PrefixedTypeName = "PodTools.Engine.Model.KPodLogLine#Prefixed";

    /// <summary>Type name of lines shown with their timestamps (-Timestamps).</summary>
    internal const string TimestampedTypeName = "PodTools.Engine.Model.KPodLogLine#Timestamped";

    internal const string PrefixedTimestampedTypeName = "PodTools.Engine.Model.KPodLogLine#PrefixedTimestamped";

    private readonly List<(string Namespace, string Name)> _pods = [];

    /// <summary>Pod names (also from the pipeline, e.g. Get-KPod objects).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>The container whose log to read; default: the annotated default container, else the only one.</summary>
    [Parameter]
    [Alias("c")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    public string? Container { get; set; }

    /// <summary>Read the log of every container (and of init containers that have run).</summary>
    [Parameter]
    public SwitchParameter AllContainers { get; set; }

    /// <summary>The log of the previous, terminated instance of the container (after a crash or restart).</summary>
    [Parameter]
    [Alias("p")]
    public SwitchParameter Previous { get; set; }

    /// <summary>Keep reading as lines are written, merging all logs, until Ctrl+C.</summary>
    [Parameter]
    [Alias("f")]
    public SwitchParameter Follow { get; set; }

    /// <summary>Only the last N lines of each log.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Tail { get; set; } = -1;

    /// <summary>Only lines newer than this (e.g. (New-TimeSpan -Minutes 5) or '00:05:00').</summary>
    [Parameter]
    public TimeSpan Since { get; set; }

    /// <summary>Show each line's timestamp in the default view (every object carries it in Timestamp).</summary>
    [Parameter]
    public SwitchParameter Timestamps { get; set; }

    /// <summary>Stop each log after this many bytes.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int LimitBytes { get; set; }

    protected override void BeginProcessing()
    {
        if (AllContainers && Container is not null)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("Use either -Container or -AllContainers, not both."),
                "ContainerAndAllContainers", ErrorCategory.InvalidArgument, Container));
        }
    }

    // Lines are read once every pod is known, so the view can tell one log from several and -Follow can merge them.
    protected override void ProcessRecord()
    {
        string ns = ResolvedNamespace;
        foreach (string name in Name)
        {
            _pods.Add((ns, name));
        }
    }

    protected override void EndProcessing()
    {
        var requests = ResolveRequests();
        if (requests.Count == 0)
        {
            return;
        }

        string typeName = (requests.Count > 1, Timestamps.IsPresent) switch
        {
            (true, true) => PrefixedTimestampedTypeName,
            (true, false) => PrefixedTypeName,
            (false, true) => TimestampedTypeName,
            _ => "",
        };
        var reader = new LogReader(Connection);
        Pump(async (output, token) =>
        {
            if (Follow && requests.Count > 1)
            {
                await foreach (var line in reader.MergeAsync(requests, output.WriteError, token).ConfigureAwait(false))
                {
                    output.WriteObject(Decorate(line, typeName));
                }

                return;
            }

            foreach (var request in requests)
            {
                try
                {
                    await foreach (var line in reader.ReadAsync(request, token).ConfigureAwait(false))
                    {
                        output.WriteObject(Decorate(line, typeName));
                    }
                }
                catch (KubeEngineException error)
                {
                    output.WriteError(error);
                }
            }
        });
    }

    private List<LogRequest> ResolveRequests()
    {
        var reader = new LogReader(Connection);
        var pods = _pods.Distinct().ToList();
        string? container = Container;
        bool all = AllContainers;
        var options = new LogRequest
        {
            Namespace = "",
            Pod = "",
            Container = "",
            Previous = Previous,
            Follow = Follow,
            TailLines = Tail >= 0 ? Tail : null,
            SinceSeconds = Since > TimeSpan.Zero ? (int)Math.Ceiling(Since.TotalSeconds) : null,
            LimitBytes = LimitBytes > 0 ? LimitBytes : null,
        };
        var found = new List<LogRequest>();
        Pump(async (output, token) =>
        {
            foreach (var (ns, name) in pods)
            {
                try
                {
                    found.AddRange(await reader.PlanAsync(ns, name, container, all, options, token).ConfigureAwait(false));
                }
                catch (KubeEngineException error) when (error.ErrorId == "Unauthorized")
                {
                    // Bad credentials fail every pod alike: report once and read no logs at all.
                    output.WriteError(error);
                    found.Clear();
                    return;
                }
                catch (KubeEngineException error)
                {
                    // One pod's problem (not found, no container given for a multi-container pod) does not stop the others.
                    output.WriteError(error);
                }
            }
        });

        return found;
    }

    private static object Decorate(KPodLogLine line, string typeName)
    {
        if (typeName.Length == 0)
        {
            return line;
        }

        var wrapped = new PSObject(line);
        wrapped.TypeNames.Insert(0, typeName);
        return wrapped;
    }
}
