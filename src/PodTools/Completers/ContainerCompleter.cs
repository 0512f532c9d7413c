using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using PodTools.Engine.Pods;

namespace PodTools.Completers;

/// <summary>
/// Completes container names of the pod given by -Name (and -Namespace/-Context/-Kubeconfig) on the same command line.
/// </summary>
public sealed class ContainerCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var names = new List<string>();
        string? pod = PodName(fakeBoundParameters);
        using var timeout = new CancellationTokenSource(CompletionInput.ServerTimeout);
        if (pod is not null && CompletionInput.TryConnect(fakeBoundParameters, timeout.Token) is { } connection)
        {
            try
            {
                string ns = CompletionInput.Bound(fakeBoundParameters, "Namespace") ?? connection.DefaultNamespace;
                var read = new PodService(connection).GetAsync(ns, pod, timeout.Token).GetAwaiter().GetResult();
                names.AddRange(read.Containers.Select(c => c.Name));
                names.AddRange(read.InitContainers.Select(c => c.Name));
            }
            catch (Exception)
            {
                // No completions rather than an error in the middle of typing.
            }
        }

        return CompletionInput.Matching(names, wordToComplete);
    }

    // -Name may be bound as one string or an array (Invoke-KPodCommand); only a single pod has a container list.
    private static string? PodName(IDictionary bound)
    {
        if (!bound.Contains("Name") || bound["Name"] is not { } value)
        {
            return null;
        }

        object item = value is PSObject wrapped ? wrapped.BaseObject : value;
        if (item is IEnumerable sequence and not string)
        {
            var all = sequence.Cast<object?>().Where(o => o is not null).Select(o => o!.ToString()!).ToList();
            return all.Count == 1 ? all[0] : null;
        }

        return item.ToString();
    }
}
