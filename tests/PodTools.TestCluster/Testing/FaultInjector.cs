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

    /// <summary>Fires at most this many times, then stays quiet (null: no limit), so "the first answer is lost" is repeatable.</summary>
    [JsonPropertyName("times")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Times { get; set; }

    /// <summary>
    /// Carry the request out first and send the fault instead of its answer: the write happened but the client never
    /// learns it, as when a connection drops after the server committed. Streams (watch, exec, logs, port-forward)
    /// have no single answer to replace, so such a rule never fires for them.
    /// </summary>
    [JsonPropertyName("after")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool After { get; set; }
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

    /// <summary>Waits out the added latency; completes at once when there is none.</summary>
    public Task DelayAsync(CancellationToken cancellationToken) => LatencyClock.Shared.DelayAsync(LatencyMs, cancellationToken);

    public FaultSettings Current => new()
    {
        LatencyMs = _settings.LatencyMs,
        Rules = _settings.Rules.Select(r => r.Rule).ToList(),
    };

    /// <summary>Replaces latency and rules; throws ArgumentException for a bad regex, rate or status.</summary>
    public void Set(FaultSettings settings)
    {
        var compiled = settings.Rules.Select(Compile).ToList();
        _settings = new CompiledSettings(Math.Max(0, settings.LatencyMs), compiled);
    }

    /// <summary>Adds one rule; the others keep their state (how often a rule with Times has fired).</summary>
    public void Add(FaultRule rule)
    {
        var compiled = Compile(rule);
        var current = _settings;
        _settings = current with { Rules = [.. current.Rules, compiled] };
    }

    private static CompiledRule Compile(FaultRule rule)
    {
        if (rule.Rate is < 0 or > 1) throw new ArgumentException($"rate must be between 0 and 1, got {rule.Rate}");
        if (rule.Status != 0 && rule.Status is < 400 or > 599) throw new ArgumentException($"status must be 0 or an HTTP error status, got {rule.Status}");
        if (rule.Times is < 0) throw new ArgumentException($"times must not be negative, got {rule.Times}");
        var regex = rule.PathRegex is null ? null : new Regex(rule.PathRegex, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return new CompiledRule(rule, regex);
    }

    /// <summary>Removes every rule and restores the latency the cluster started with (TestClusterOptions.LatencyMs).</summary>
    public void Clear() => _settings = new CompiledSettings(_startLatencyMs, []);

    /// <summary>
    /// The rule that fires for this request, if any (each matching rule rolls its own dice). A streaming request never
    /// matches an After rule.
    /// </summary>
    public FaultRule? Pick(string verb, string path, bool streaming = false)
    {
        foreach (var rule in _settings.Rules)
        {
            if (streaming && rule.Rule.After) continue;
            if (rule.Rule.Verb is { } v && !string.Equals(v, verb, StringComparison.OrdinalIgnoreCase)) continue;
            if (rule.Regex is { } r && !r.IsMatch(path)) continue;
            if (Random.Shared.NextDouble() < rule.Rule.Rate && rule.TryFire()) return rule.Rule;
        }
        return null;
    }

    private sealed record CompiledRule(FaultRule Rule, Regex? Regex)
    {
        private int _fired;

        // Counts the firing; false once Times is used up.
        public bool TryFire() => Rule.Times is not int times || Interlocked.Increment(ref _fired) <= times;
    }

    private sealed record CompiledSettings(int LatencyMs, List<CompiledRule> Rules);
}
