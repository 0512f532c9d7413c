namespace PodTools.Engine.Pods.Watch;

/// <summary>Builds the field selector Get-KPod sends from -FieldSelector, -Node and -Phase.</summary>
public static class PodFieldSelector
{
    /// <summary>The pod phases the API server knows (status.phase).</summary>
    public static IReadOnlyList<string> Phases { get; } = ["Pending", "Running", "Succeeded", "Failed", "Unknown"];

    /// <summary>
    /// Joins <paramref name="fieldSelector"/> with <c>spec.nodeName=</c><paramref name="node"/> and
    /// <c>status.phase=</c><paramref name="phase"/> (each optional); null when all are empty.
    /// </summary>
    public static string? Combine(string? fieldSelector, string? node, string? phase)
    {
        var parts = new List<string>();
        if (!string.IsNullOrWhiteSpace(fieldSelector))
        {
            parts.Add(fieldSelector.Trim());
        }

        if (!string.IsNullOrWhiteSpace(node))
        {
            parts.Add($"spec.nodeName={node.Trim()}");
        }

        if (!string.IsNullOrWhiteSpace(phase))
        {
            // The server compares case-sensitively; accept "running" from a user and send "Running".
            string canonical = Phases.FirstOrDefault(p => string.Equals(p, phase.Trim(), StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"Unknown pod phase '{phase}'; expected one of {string.Join(", ", Phases)}.", nameof(phase));
            parts.Add($"status.phase={canonical}");
        }

        return parts.Count == 0 ? null : string.Join(",", parts);
    }
}
