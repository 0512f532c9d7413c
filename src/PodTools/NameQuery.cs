using System.Management.Automation;
using PodTools.Engine.Errors;

namespace PodTools;

/// <summary>
/// How a Get cmdlet resolves -Name for cluster-wide objects: exact names are read one by one (a missing one is an
/// error), wildcard patterns filter a list client-side. With a selector every name is matched against the list, and
/// an exact name absent from it is reported missing.
/// </summary>
internal sealed class NameQuery
{
    private readonly List<WildcardPattern> _patterns;
    private readonly HashSet<string> _required;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    public NameQuery(IReadOnlyCollection<string>? names, bool listAlways)
    {
        names ??= [];
        Exact = listAlways ? [] : names.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)).Distinct(StringComparer.Ordinal).ToList();
        var listed = names.Except(Exact).ToList();
        _patterns = listed.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant)).ToList();
        _required = listed.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)).ToHashSet(StringComparer.Ordinal);
        NeedsList = names.Count == 0 || _patterns.Count > 0;
    }

    /// <summary>Names to read one by one.</summary>
    public IReadOnlyList<string> Exact { get; }

    /// <summary>True when a list request is needed (no names, patterns, or a selector).</summary>
    public bool NeedsList { get; }

    /// <summary>True when a listed object is wanted; records it as seen.</summary>
    public bool Take(string name)
    {
        if (_patterns.Count > 0 && !_patterns.Any(p => p.IsMatch(name)))
        {
            return false;
        }

        _seen.Add(name);
        return true;
    }

    /// <summary>Exact names that had to be found in the list and were not.</summary>
    public IEnumerable<string> Missing => _required.Where(n => !_seen.Contains(n));

    /// <summary>
    /// Writes the wanted objects to <paramref name="output"/>: exact names read one by one (a missing one is a
    /// non-terminating error), then, when needed, the list filtered by the patterns, then an error per exact name
    /// the list did not hold. <paramref name="notFound"/> builds that error from the name.
    /// </summary>
    public async Task WriteAsync<T>(PipelineQueue output, Func<string, CancellationToken, Task<T>> get,
        Func<CancellationToken, IAsyncEnumerable<IReadOnlyList<T>>> listPages, Func<T, string> nameOf,
        Func<string, KubeEngineException> notFound, CancellationToken cancellationToken)
        where T : class
    {
        foreach (string name in Exact)
        {
            try
            {
                output.WriteObject(await get(name, cancellationToken).ConfigureAwait(false));
            }
            catch (KubeEngineException error) when (error.Category == KubeErrorCategory.ObjectNotFound)
            {
                output.WriteError(error);
            }
        }

        if (!NeedsList)
        {
            return;
        }

        await foreach (var page in listPages(cancellationToken).ConfigureAwait(false))
        {
            output.WriteObjects(page.Where(item => Take(nameOf(item))).ToList());
        }

        foreach (string missing in Missing)
        {
            output.WriteError(notFound(missing));
        }
    }
}
