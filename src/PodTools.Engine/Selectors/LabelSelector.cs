using PodTools.Engine.Labels;

namespace PodTools.Engine.Selectors;

/// <summary>A parsed label selector with the grammar, validation, matching and canonical text of apimachinery's labels.Parse.</summary>
public sealed class LabelSelector
{
    private LabelSelector(IReadOnlyList<LabelRequirement> requirements)
    {
        Requirements = requirements;
    }

    /// <summary>The selector that selects everything.</summary>
    public static LabelSelector Everything { get; } = new([]);

    /// <summary>The requirements, ordered by key as the API server orders them.</summary>
    public IReadOnlyList<LabelRequirement> Requirements { get; }

    /// <summary>True when the selector has no requirements and so selects everything.</summary>
    public bool IsEmpty => Requirements.Count == 0;

    /// <summary>
    /// Parses kubectl's selector grammar: <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k in (a,b)</c>, <c>k notin (a,b)</c>,
    /// <c>k</c>, <c>!k</c>, <c>k&gt;1</c>, <c>k&lt;1</c>, comma-separated. Throws <see cref="SelectorSyntaxException"/>
    /// for anything the API server refuses.
    /// </summary>
    public static LabelSelector Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var requirements = new SelectorParser(text).Parse();
        return requirements.Count == 0 ? Everything : new LabelSelector(SortByKey(requirements));
    }

    /// <summary>Like <see cref="Parse"/>, returning false and the error instead of throwing.</summary>
    public static bool TryParse(string text, out LabelSelector selector, out SelectorSyntaxException? error)
    {
        try
        {
            selector = Parse(text);
            error = null;
            return true;
        }
        catch (SelectorSyntaxException exception)
        {
            selector = Everything;
            error = exception;
            return false;
        }
    }

    /// <summary>An equality selector (<c>k1=v1,k2=v2</c>) from key/value pairs; throws <see cref="InvalidLabelException"/> for a key or value the API server refuses.</summary>
    public static LabelSelector FromEquality(IEnumerable<KeyValuePair<string, string>> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var requirements = new List<LabelRequirement>();
        foreach (var (key, value) in labels)
        {
            var keyProblems = LabelRules.ValidateKey(key ?? "");
            if (keyProblems.Count > 0)
            {
                throw new InvalidLabelException(key ?? "", null, isKeyProblem: true, keyProblems);
            }
            var valueProblems = LabelRules.ValidateValue(value ?? "");
            if (valueProblems.Count > 0)
            {
                throw new InvalidLabelException(key!, value, isKeyProblem: false, valueProblems);
            }
            requirements.Add(new LabelRequirement(key!, SelectorOperator.Equals, [value ?? ""]));
        }
        return requirements.Count == 0 ? Everything : new LabelSelector(SortByKey(requirements));
    }

    /// <summary>Whether <paramref name="labels"/> (null meaning none) satisfy every requirement.</summary>
    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        labels ??= EmptyLabels;
        foreach (var requirement in Requirements)
        {
            if (!requirement.Matches(labels))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The canonical text to send as labelSelector: requirements by key, values sorted, no spaces except around in/notin.</summary>
    public override string ToString() => string.Join(",", Requirements);

    private static readonly IReadOnlyDictionary<string, string> EmptyLabels = new Dictionary<string, string>();

    // apimachinery sorts requirements by key so that equal selectors print the same; OrderBy keeps equal keys in input order.
    private static LabelRequirement[] SortByKey(IEnumerable<LabelRequirement> requirements) =>
        requirements.OrderBy(requirement => requirement.Key, StringComparer.Ordinal).ToArray();
}
