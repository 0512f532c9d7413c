using System.Management.Automation;
using PodTools.Completers;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;
using PodTools.Engine.Namespaces;

namespace PodTools.Commands;

/// <summary>
/// Remove-KNamespace: deletes namespaces (and so every pod in them), saying how many pods each holds before asking;
/// -Wait watches until they are gone. Which namespaces may be deleted is the server's call, not ours.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "KNamespace", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(KNamespace))]
public sealed class RemoveKNamespaceCommand : KubeCmdlet
{
    private readonly List<string> _toWaitFor = [];

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Return only once the namespaces no longer exist (their pods are gone too).</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>With -Wait, how many seconds to wait before reporting a WaitTimeout error.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Timeout { get; set; }

    /// <summary>Write each namespace as the server answered the delete (Status Terminating).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var service = new NamespaceService(Connection);
        foreach (string name in ResolveNames(service))
        {
            // Read first: an unknown name is a NamespaceNotFound error, and the prompt can tell how many pods go with it.
            var ns = Await(token => service.GetAsync(name, token));
            if (ns is null)
            {
                continue;
            }

            // A failed count (already written as an error) still lets the user decide.
            int? pods = Await<int?>(async token => await service.CountPodsAsync(name, token).ConfigureAwait(false));
            string podText = pods switch { null => "an unknown number of pods", 1 => "1 pod", _ => $"{pods} pods" };
            string description = $"Deleting namespace '{name}' and the {podText} in it.";
            string warning = $"Delete namespace '{name}'? It holds {podText}, which are deleted with it.";
            if (!ShouldProcess(description, warning, "Remove-KNamespace"))
            {
                continue;
            }

            bool failed = false;
            var deleted = Await(async token =>
            {
                try
                {
                    return await service.DeleteAsync(name, token).ConfigureAwait(false);
                }
                catch (KubeEngineException)
                {
                    failed = true;
                    throw;
                }
            });
            if (failed)
            {
                continue;
            }

            WriteVerbose($"Namespace '{name}' is terminating ({podText} to delete).");
            if (PassThru && deleted is not null)
            {
                WriteObject(deleted);
            }

            if (Wait)
            {
                _toWaitFor.Add(name);
            }
        }
    }

    protected override void EndProcessing()
    {
        if (_toWaitFor.Count == 0)
        {
            return;
        }

        var service = new NamespaceService(Connection);
        var names = _toWaitFor.ToList();
        int timeout = Timeout;
        // All namespaces terminate at once on the server, so wait for them together.
        Pump(async (output, token) =>
        {
            await Task.WhenAll(names.Select(async name =>
            {
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(token);
                if (timeout > 0)
                {
                    limit.CancelAfter(TimeSpan.FromSeconds(timeout));
                }

                try
                {
                    await service.WaitUntilDeletedAsync(name, limit.Token).ConfigureAwait(false);
                    output.WriteVerbose($"Namespace '{name}' is gone.");
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    output.WriteError(new KubeEngineException("WaitTimeout", KubeErrorCategory.OperationTimeout,
                        $"Namespace '{name}' still exists after {timeout} s.", name));
                }
                catch (KubeEngineException error) when (!token.IsCancellationRequested)
                {
                    output.WriteError(error);
                }
            })).ConfigureAwait(false);
        });
    }

    private IEnumerable<string> ResolveNames(NamespaceService service)
    {
        foreach (string name in Name)
        {
            if (!WildcardPattern.ContainsWildcardCharacters(name))
            {
                yield return name;
                continue;
            }

            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
            var matches = Await(async token =>
            {
                var found = new List<string>();
                await foreach (var page in service.ListPagesAsync(null, cancellationToken: token).ConfigureAwait(false))
                {
                    found.AddRange(page.Where(ns => pattern.IsMatch(ns.Name)).Select(ns => ns.Name));
                }

                return found;
            });
            foreach (string match in matches ?? [])
            {
                yield return match;
            }
        }
    }
}
