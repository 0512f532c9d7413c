using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using PodTools.Engine.Nodes;

namespace PodTools.Completers;

/// <summary>Completes node names from the cluster of -Context (or the current one).</summary>
public sealed class NodeNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        using var timeout = new CancellationTokenSource(CompletionInput.ServerTimeout);
        IReadOnlyList<string> names = [];
        if (CompletionInput.TryConnect(fakeBoundParameters, timeout.Token) is { } connection)
        {
            try
            {
                names = NodeService.NamesAsync(connection, timeout.Token).GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                // No completions rather than an error in the middle of typing.
            }
        }

        return CompletionInput.Matching(names, wordToComplete);
    }
}
