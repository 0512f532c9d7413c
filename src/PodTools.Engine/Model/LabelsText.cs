namespace PodTools.Engine.Model;

/// <summary>Labels as kubectl --show-labels prints them: "k=v" sorted by key and joined by commas, or "&lt;none&gt;".</summary>
public static class LabelsText
{
    public static string Format(IReadOnlyDictionary<string, string>? labels)
    {
        if (labels is null || labels.Count == 0)
        {
            return "<none>";
        }

        return string.Join(",", labels.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key}={pair.Value}"));
    }
}
