using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PodTools.Engine.Labels;

/// <summary>Which metadata map a <see cref="LabelChange"/> edits.</summary>
public enum MetadataKind
{
    /// <summary>metadata.labels: keys and values follow the label rules.</summary>
    Labels,
    /// <summary>metadata.annotations: keys follow the label key rules (case-insensitively), values are free text, 256 KiB in all.</summary>
    Annotations,
}

/// <summary>A requested edit of labels or annotations (set, overwrite, remove), validated once and then planned per object.</summary>
/// <remarks>Mirrors kubectl label/annotate: a key that already has a different value is refused unless overwrite is set.</remarks>
public sealed class LabelChange
{
    private readonly SortedDictionary<string, string?> _requested;

    private LabelChange(MetadataKind kind, SortedDictionary<string, string?> requested, bool overwrite)
    {
        Kind = kind;
        _requested = requested;
        Overwrite = overwrite;
    }

    /// <summary>Labels or annotations.</summary>
    public MetadataKind Kind { get; }

    /// <summary>Whether existing keys may be given a different value.</summary>
    public bool Overwrite { get; }

    /// <summary>Every requested key with its new value, or null to remove it, in ordinal key order.</summary>
    public IReadOnlyDictionary<string, string?> Requested => _requested;

    /// <summary>True when nothing is requested.</summary>
    public bool IsEmpty => _requested.Count == 0;

    /// <summary>A label change: <paramref name="set"/> maps keys to values (null removes), <paramref name="remove"/> lists keys to drop. Throws <see cref="InvalidLabelException"/> for a key or value the server refuses.</summary>
    public static LabelChange ForLabels(IEnumerable<KeyValuePair<string, string?>>? set, IEnumerable<string>? remove = null, bool overwrite = false) =>
        Create(MetadataKind.Labels, set, remove, overwrite);

    /// <summary>An annotation change, with the same shape as <see cref="ForLabels"/>.</summary>
    public static LabelChange ForAnnotations(IEnumerable<KeyValuePair<string, string?>>? set, IEnumerable<string>? remove = null, bool overwrite = false) =>
        Create(MetadataKind.Annotations, set, remove, overwrite);

    private static LabelChange Create(MetadataKind kind, IEnumerable<KeyValuePair<string, string?>>? set, IEnumerable<string>? remove, bool overwrite)
    {
        var requested = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in set ?? [])
        {
            ValidateKey(kind, key);
            if (value is not null && kind == MetadataKind.Labels)
            {
                var problems = LabelRules.ValidateValue(value);
                if (problems.Count > 0)
                {
                    throw new InvalidLabelException(key, value, isKeyProblem: false, problems);
                }
            }
            requested[key] = value;
        }
        foreach (var key in remove ?? [])
        {
            ValidateKey(kind, key);
            if (requested.TryGetValue(key, out var value) && value is not null)
            {
                // kubectl's own wording for "app=web app-" in one command.
                throw new ArgumentException($"can not both modify and remove {(kind == MetadataKind.Labels ? "a label" : "an annotation")} in the same command ('{key}')", nameof(remove));
            }
            requested[key] = null;
        }

        var change = new LabelChange(kind, requested, overwrite);
        if (kind == MetadataKind.Annotations)
        {
            long size = LabelRules.AnnotationsSize(change.Values());
            if (size > LabelRules.TotalAnnotationSizeLimitBytes)
            {
                throw new ArgumentException($"metadata.annotations: Too long: must have at most {LabelRules.TotalAnnotationSizeLimitBytes} bytes", nameof(set));
            }
        }
        return change;
    }

    private static void ValidateKey(MetadataKind kind, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        // The server checks annotation keys lowercased, label keys as written.
        var problems = LabelRules.ValidateKey(kind == MetadataKind.Annotations ? key.ToLowerInvariant() : key);
        if (problems.Count > 0)
        {
            throw new InvalidLabelException(key, null, isKeyProblem: true, problems);
        }
    }

    private IEnumerable<KeyValuePair<string, string>> Values() =>
        _requested.Where(pair => pair.Value is not null).Select(pair => new KeyValuePair<string, string>(pair.Key, pair.Value!));

    /// <summary>
    /// Plans the change for one object whose current map is <paramref name="current"/> (null when unknown, e.g. a pod named
    /// but not read). <paramref name="resourceVersion"/>, when given, goes into the patch as a precondition.
    /// </summary>
    public LabelChangePlan PlanFor(IReadOnlyDictionary<string, string>? current, string? resourceVersion = null)
    {
        var diffs = new List<LabelDiff>();
        var conflicts = new List<LabelConflict>();
        foreach (var (key, newValue) in _requested)
        {
            if (current is null)
            {
                diffs.Add(new LabelDiff(key, null, newValue, OldValueKnown: false));
                continue;
            }
            bool exists = current.TryGetValue(key, out var oldValue);
            if (newValue is null)
            {
                if (exists)
                {
                    diffs.Add(new LabelDiff(key, oldValue, null, OldValueKnown: true));
                }
            }
            else if (!exists)
            {
                diffs.Add(new LabelDiff(key, null, newValue, OldValueKnown: true));
            }
            else if (!string.Equals(oldValue, newValue, StringComparison.Ordinal))
            {
                if (Overwrite)
                {
                    diffs.Add(new LabelDiff(key, oldValue, newValue, OldValueKnown: true));
                }
                else
                {
                    conflicts.Add(new LabelConflict(key, oldValue!, newValue));
                }
            }
        }

        var problems = new List<string>();
        if (Kind == MetadataKind.Annotations && current is not null)
        {
            var merged = new Dictionary<string, string>(current, StringComparer.Ordinal);
            foreach (var (key, value) in _requested)
            {
                if (value is null)
                {
                    merged.Remove(key);
                }
                else
                {
                    merged[key] = value;
                }
            }
            if (LabelRules.AnnotationsSize(merged) > LabelRules.TotalAnnotationSizeLimitBytes)
            {
                problems.Add($"metadata.annotations: Too long: must have at most {LabelRules.TotalAnnotationSizeLimitBytes} bytes");
            }
        }

        bool needsCurrentValues = current is null && !Overwrite && _requested.Values.Any(value => value is not null);
        return new LabelChangePlan(this, diffs, conflicts, problems, current is not null, needsCurrentValues, resourceVersion);
    }

    internal string ToMergePatch(string? resourceVersion)
    {
        using var stream = new MemoryStream();
        // Relaxed escaping keeps non-ASCII values readable in -Debug output; the body is JSON, never HTML.
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("metadata");
            writer.WriteStartObject(Kind == MetadataKind.Labels ? "labels" : "annotations");
            foreach (var (key, value) in _requested)
            {
                if (value is null)
                {
                    // In a JSON merge patch, null deletes the key.
                    writer.WriteNull(key);
                }
                else
                {
                    writer.WriteString(key, value);
                }
            }
            writer.WriteEndObject();
            if (!string.IsNullOrEmpty(resourceVersion))
            {
                // The server refuses the patch with 409 Conflict when the object changed since this version.
                writer.WriteString("resourceVersion", resourceVersion);
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}

/// <summary>What a <see cref="LabelChange"/> does to one object: the per-key diff, refusals, and the merge patch to send.</summary>
public sealed class LabelChangePlan
{
    private readonly LabelChange _change;

    internal LabelChangePlan(LabelChange change, IReadOnlyList<LabelDiff> changes, IReadOnlyList<LabelConflict> conflicts,
        IReadOnlyList<string> problems, bool currentKnown, bool needsCurrentValues, string? resourceVersion)
    {
        _change = change;
        Changes = changes;
        Conflicts = conflicts;
        Problems = problems;
        CurrentKnown = currentKnown;
        NeedsCurrentValues = needsCurrentValues;
        ResourceVersion = resourceVersion;
    }

    /// <summary>Labels or annotations.</summary>
    public MetadataKind Kind => _change.Kind;

    /// <summary>The keys that change, in ordinal key order (every requested key when the current values are unknown).</summary>
    public IReadOnlyList<LabelDiff> Changes { get; }

    /// <summary>Keys that already hold a different value while overwrite is off: the object must not be patched.</summary>
    public IReadOnlyList<LabelConflict> Conflicts { get; }

    /// <summary>Other reasons the server would refuse the result, e.g. annotations over 256 KiB.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>Whether the plan was made against the object's current values.</summary>
    public bool CurrentKnown { get; }

    /// <summary>True when overwrite is off and the current values are unknown: read the object first, or conflicts go unnoticed.</summary>
    public bool NeedsCurrentValues { get; }

    /// <summary>The resourceVersion precondition carried by the patch, if any.</summary>
    public string? ResourceVersion { get; }

    /// <summary>True when there is nothing to send: the current values are known and already as requested.</summary>
    public bool IsNoOp => CurrentKnown && Changes.Count == 0 && Conflicts.Count == 0;

    /// <summary>True when the patch may be sent: no conflicts and no problems.</summary>
    public bool CanApply => Conflicts.Count == 0 && Problems.Count == 0;

    /// <summary>The JSON merge patch body (application/merge-patch+json): the requested keys, null for removals, and the resourceVersion precondition.</summary>
    public string ToMergePatch() => _change.ToMergePatch(ResourceVersion);

    /// <summary>One line per changed key, as -WhatIf shows it: <c>tier: (none) -> frontend</c>.</summary>
    public IReadOnlyList<string> Describe() => Changes.Select(change => change.ToString()).ToList();
}

/// <summary>One key's change: its old value (null when absent) and new value (null when removed).</summary>
public sealed record LabelDiff(string Key, string? OldValue, string? NewValue, bool OldValueKnown)
{
    /// <summary>"tier: (none) -> frontend", "env: dev -> prod", "app: web -> (removed)".</summary>
    public override string ToString()
    {
        string before = !OldValueKnown ? "(unknown)" : OldValue ?? "(none)";
        string after = NewValue ?? "(removed)";
        return $"{Key}: {before} -> {after}";
    }
}

/// <summary>A key that already has a different value while overwrite is off (kubectl refuses these).</summary>
public sealed record LabelConflict(string Key, string ExistingValue, string RequestedValue)
{
    /// <summary>kubectl's message: <c>'env' already has a value (dev), and --overwrite is false</c>.</summary>
    public string Message => $"'{Key}' already has a value ({ExistingValue}), and --overwrite is false";
}
