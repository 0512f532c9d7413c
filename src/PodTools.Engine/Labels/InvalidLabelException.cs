namespace PodTools.Engine.Labels;

/// <summary>A label or annotation key or value the API server would refuse, with apimachinery's reasons.</summary>
public sealed class InvalidLabelException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="key"/> (and <paramref name="value"/> when the value is the problem).</summary>
    public InvalidLabelException(string key, string? value, bool isKeyProblem, IReadOnlyList<string> problems)
        : base(Describe(key, value, isKeyProblem, problems))
    {
        Key = key;
        Value = value;
        IsKeyProblem = isKeyProblem;
        Problems = problems;
    }

    /// <summary>The key that was refused, or whose value was refused.</summary>
    public string Key { get; }

    /// <summary>The refused value, or null when the key is the problem.</summary>
    public string? Value { get; }

    /// <summary>True when the key is invalid, false when the value is.</summary>
    public bool IsKeyProblem { get; }

    /// <summary>apimachinery's messages, one per broken rule.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Describe(string key, string? value, bool isKeyProblem, IReadOnlyList<string> problems) =>
        isKeyProblem
            ? $"Invalid value: {LabelRules.GoQuote(key)}: {string.Join("; ", problems)}"
            : $"Invalid value: {LabelRules.GoQuote(value ?? "")}: {string.Join("; ", problems)}";
}
