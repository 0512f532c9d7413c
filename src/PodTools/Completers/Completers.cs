using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using PodTools.Engine.Connection;
using PodTools.Engine.Pods;

namespace PodTools.Completers;

/// <summary>Shared helpers: reading -Kubeconfig/-Context/-Namespace already typed on the command line.</summary>
internal static class CompletionInput
{
    // Completion must never hang the prompt on a slow or unreachable cluster.
    public static readonly TimeSpan ServerTimeout = TimeSpan.FromSeconds(2);

    public static string? Bound(IDictionary bound, string name) =>
        bound.Contains(name) && bound[name] is { } value ? value.ToString() : null;

    public static IEnumerable<CompletionResult> Matching(IEnumerable<string> candidates, string wordToComplete)
    {
        string word = (wordToComplete ?? "").Trim('\'', '"');
        var pattern = WildcardPattern.Get(word + "*", WildcardOptions.IgnoreCase);
        foreach (string candidate in candidates.Distinct(StringComparer.Ordinal).OrderBy(c => c, StringComparer.OrdinalIgnoreCase))
        {
            if (pattern.IsMatch(candidate))
            {
                string text = candidate.IndexOfAny([' ', '\'', '"', '$', '`', '(', ')', '{', '}', ';', ',', '&']) >= 0
                    ? "'" + candidate.Replace("'", "''") + "'"
                    : candidate;
                yield return new CompletionResult(text, candidate, CompletionResultType.ParameterValue, candidate);
            }
        }
    }

    public static KubeConnection? TryConnect(IDictionary bound, CancellationToken token)
    {
        try
        {
            return RunspaceState.Connections
                .GetConnectionAsync(Bound(bound, "Kubeconfig"), Bound(bound, "Context"), token)
                .GetAwaiter().GetResult();
        }
        catch (Exception)
        {
            return null;
        }
    }
}

/// <summary>Completes context names from the kubeconfig (honouring -Kubeconfig on the command line).</summary>
public sealed class ContextCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IEnumerable<string> names;
        try
        {
            names = RunspaceState.Connections.GetKubeconfig(CompletionInput.Bound(fakeBoundParameters, "Kubeconfig")).ContextNames;
        }
        catch (Exception)
        {
            names = [];
        }

        return CompletionInput.Matching(names, wordToComplete);
    }
}

/// <summary>Completes namespace names from the cluster of -Context (or the current one).</summary>
public sealed class NamespaceCompleter : IArgumentCompleter
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
                names = ClusterLookup.NamespaceNamesAsync(connection, timeout.Token).GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                // No completions rather than an error in the middle of typing.
            }
        }

        return CompletionInput.Matching(names, wordToComplete);
    }
}

/// <summary>Completes pod names in -Namespace (or the context's namespace).</summary>
public sealed class PodNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        using var timeout = new CancellationTokenSource(CompletionInput.ServerTimeout);
        var names = new List<string>();
        if (CompletionInput.TryConnect(fakeBoundParameters, timeout.Token) is { } connection)
        {
            try
            {
                string? ns = fakeBoundParameters.Contains("AllNamespaces") ? null
                    : CompletionInput.Bound(fakeBoundParameters, "Namespace") ?? connection.DefaultNamespace;
                names.AddRange(ClusterLookup.PodNamesAsync(connection, ns, timeout.Token).GetAwaiter().GetResult());
            }
            catch (Exception)
            {
                // No completions rather than an error in the middle of typing.
            }
        }

        return CompletionInput.Matching(names, wordToComplete);
    }
}
