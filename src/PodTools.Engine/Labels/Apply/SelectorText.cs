using PodTools.Engine.Selectors;

namespace PodTools.Engine.Labels.Apply;

/// <summary>Builds selector strings from key/value maps (ConvertTo-KSelector, -MatchLabel), validated as the API server would.</summary>
public static class SelectorText
{
    /// <summary>
    /// A selector from map entries: one value means <c>key=value</c>, several mean <c>key in (a,b)</c>, null means the
    /// key must exist (<c>key</c>). Keys and values are checked with the label rules (InvalidLabelException).
    /// Returns the canonical selector, requirements ordered by key as the API server prints them.
    /// </summary>
    public static LabelSelector FromMap(IEnumerable<KeyValuePair<string, IReadOnlyList<string>?>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var parts = new List<string>();
        foreach (var (key, values) in entries)
        {
            Validate(key, values);
            parts.Add(values switch
            {
                null => key,
                { Count: 1 } => $"{key}={values[0]}",
                _ => $"{key} in ({string.Join(",", values)})",
            });
        }

        // Every key and value was validated above, so the text parses; parsing gives the canonical order and form.
        return parts.Count == 0 ? LabelSelector.Everything : LabelSelector.Parse(string.Join(",", parts));
    }

    /// <summary>Joins a selector in kubectl's grammar and an equality map (both optional) into one canonical selector text, or null when empty.</summary>
    public static string? Combine(string? selector, IEnumerable<KeyValuePair<string, string>>? matchLabels)
    {
        var parts = new List<string>();
        if (!string.IsNullOrWhiteSpace(selector))
        {
            var parsed = LabelSelector.Parse(selector);
            if (!parsed.IsEmpty)
            {
                parts.Add(parsed.ToString());
            }
        }

        if (matchLabels is not null)
        {
            var equality = LabelSelector.FromEquality(matchLabels);
            if (!equality.IsEmpty)
            {
                parts.Add(equality.ToString());
            }
        }

        return parts.Count == 0 ? null : LabelSelector.Parse(string.Join(",", parts)).ToString();
    }

    private static void Validate(string key, IReadOnlyList<string>? values)
    {
        ArgumentNullException.ThrowIfNull(key);
        var keyProblems = LabelRules.ValidateKey(key);
        if (keyProblems.Count > 0)
        {
            throw new InvalidLabelException(key, null, isKeyProblem: true, keyProblems);
        }

        if (values is null)
        {
            return;
        }

        if (values.Count == 0)
        {
            throw new ArgumentException($"the value list for key '{key}' is empty: give at least one value, or $null to require the key");
        }

        foreach (string value in values)
        {
            var problems = LabelRules.ValidateValue(value ?? "");
            if (problems.Count > 0)
            {
                throw new InvalidLabelException(key, value, isKeyProblem: false, problems);
            }
        }
    }
}
