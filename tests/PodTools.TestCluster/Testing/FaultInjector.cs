using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace PodTools.TestCluster.Testing;

/// <summary>
/// An injected failure: requests with this Kubernetes verb (any when null) whose path matches PathRegex (any when
/// null) fail with Status at the given Rate (0..1). Status 0 resets the connection after part of the body.
/// </summary>
public sealed class FaultRule
{
    [JsonPropertyName("verb")] public string? Verb { get; set; }
    [JsonPropertyName("pathRegex")] public string? PathRegex { get; set; }
    [JsonPropertyName("status")] public int Status { get; set; } = 503;
    [JsonPropertyName("rate")] public double Rate { get; set; } = 1;
    [JsonPropertyName("retryAfterSeconds")] public int? RetryAfterSeconds { get; set; }
}

/// <summary>The fault configuration as the control endpoint reads and writes it.</summary>
public sealed class FaultSettings
{
    [JsonPropertyName("latencyMs")] public int LatencyMs { get; set; }
    [JsonPropertyName("rules")] public List<FaultRule> Rules { get; set; } = [];
}

/// <summary>Added latency and error rules, changeable while the cluster runs.</summary>
public sealed class FaultInjector
{
    private readonly int _startLatencyMs;
    private volatile CompiledSettings _settings = new(0, []);

    public FaultInjector(int latencyMs = 0)
    {
        _startLatencyMs = Math.Max(0, latencyMs);
        LatencyMs = latencyMs;
    }

    /// <summary>Added to every API request, to simulate a network round trip.</summary>
    public int LatencyMs
    {
        get => _settings.LatencyMs;
        set => _settings = _settings with { LatencyMs = Math.Max(0, value) };
    }

    public FaultSettings Current => new()
    {
        LatencyMs = _settings.LatencyMs,
        Rules = _settings.Rules.Select(r => r.Rule).ToList(),
    };

    /// <summary>Replaces latency and rules; throws ArgumentException for a bad regex, rate or status.</summary>
    public void Set(FaultSettings settings)
    {
        var compiled = new List<CompiledRule>();
        foreach (var rule in settings.Rules)
        {
            if (rule.Rate is < 0 or > 1) throw new ArgumentException($"rate must be between 0 and 1, got {rule.Rate}");
            if (rule.Status != 0 && rule.Status is < 400 or > 599) throw new ArgumentException($"status must be 0 or an HTTP error status, got {rule.Status}");
            var regex = rule.PathRegex is null ? null : new Regex(rule.PathRegex, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            compiled.Add(new CompiledRule(rule, regex));
        }
        _settings = new CompiledSettings(Math.Max(0, settings.LatencyMs), compiled);
    }

    public void Add(FaultRule rule)
    {
        var current = Current;
        current.Rules.Add(rule);
        Set(current);
    }

    /// <summary>Removes every rule and restores the latency the cluster started with (TestClusterOptions.LatencyMs).</summary>
    public void Clear() => _settings = new CompiledSettings(_startLatencyMs, []);

    /// <summary>The rule that fires for this request, if any (each matching rule rolls its own dice).</summary>
    public FaultRule? Pick(string verb, string path)
    {
        foreach (var rule in _settings.Rules)
        {
            if (rule.Rule.Verb is { } v && !string.Equals(v, verb, StringComparison.OrdinalIgnoreCase)) continue;
            if (rule.Regex is { } r && !r.IsMatch(path)) continue;
            if (Random.Shared.NextDouble() < rule.Rule.Rate) return rule.Rule;
        }
        return null;
    }

    private sealed record CompiledRule(FaultRule Rule, Regex? Regex);

    private sealed record CompiledSettings(int LatencyMs, List<CompiledRule> Rules);
}
