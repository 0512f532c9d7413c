using System.Collections;
using System.Management.Automation;
using PodTools.Engine.Labels;
using PodTools.Engine.Labels.Apply;
using PodTools.Engine.Selectors;

namespace PodTools;

/// <summary>
/// Turns -Selector and -Label (a hashtable of equality requirements) into one canonical selector before any
/// request, as an ErrorRecord that the caller throws when the input is unusable (InvalidSelector with a caret
/// under the offending position, InvalidLabelKey, InvalidLabelValue).
/// </summary>
internal static class PodSelection
{
    /// <summary>The combined selector text, null when both are empty; <paramref name="error"/> set when the input is invalid.</summary>
    public static string? Combine(string? selector, IDictionary? labels, out ErrorRecord? error)
    {
        error = null;
        try
        {
            return SelectorText.Combine(selector, ToPairs(labels));
        }
        catch (SelectorSyntaxException syntax)
        {
            error = SelectorErrorRecord.Create(syntax);
        }
        catch (InvalidLabelException invalid)
        {
            error = new ErrorRecord(invalid, invalid.IsKeyProblem ? "InvalidLabelKey" : "InvalidLabelValue",
                ErrorCategory.InvalidArgument, invalid.Key);
        }

        return null;
    }

    private static IEnumerable<KeyValuePair<string, string>>? ToPairs(IDictionary? labels)
    {
        if (labels is null)
        {
            return null;
        }

        var pairs = new List<KeyValuePair<string, string>>();
        foreach (DictionaryEntry entry in labels)
        {
            string key = LanguagePrimitives.ConvertTo<string>(entry.Key) ?? "";
            // Equality only: a $null value would mean "any value", which -Selector 'key' already expresses.
            string value = entry.Value is null ? "" : LanguagePrimitives.ConvertTo<string>(PSObject.AsPSObject(entry.Value).BaseObject) ?? "";
            pairs.Add(new KeyValuePair<string, string>(key, value));
        }

        return pairs;
    }
}
