using System.Text;
using System.Text.RegularExpressions;

namespace PodTools.Engine.Labels;

/// <summary>The API server's rules for label keys and values, annotations and object names, with apimachinery's messages.</summary>
/// <remarks>
/// Ported from k8s.io/apimachinery pkg/util/validation (validation.go and api/validate/content), so a value refused
/// here is refused by the server and the user sees the same words. Lengths are in UTF-8 bytes, as Go's len().
/// </remarks>
public static partial class LabelRules
{
    /// <summary>Longest name part of a label key, and longest label value.</summary>
    public const int LabelNameMaxLength = 63;

    /// <summary>Longest DNS-1123 subdomain (label key prefix, pod name).</summary>
    public const int DNS1123SubdomainMaxLength = 253;

    /// <summary>Longest DNS-1123 label (namespace name).</summary>
    public const int DNS1123LabelMaxLength = 63;

    /// <summary>Largest total size of annotation keys plus values, in bytes (256 KiB).</summary>
    public const int TotalAnnotationSizeLimitBytes = 256 * 1024;

    private const string LabelKeyFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private const string LabelKeyErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    private const string LabelValueFmt = "(" + LabelKeyFmt + ")?";
    private const string LabelValueErrMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    private const string DNS1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private const string DNS1123LabelErrMsg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
    private const string DNS1123SubdomainFmt = DNS1123LabelFmt + "(\\." + DNS1123LabelFmt + ")*";
    private const string DNS1123SubdomainErrMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

    // \z rather than $: .NET's $ also matches before a final newline, Go's does not.
    [GeneratedRegex("^" + DNS1123LabelFmt + "\\z", RegexOptions.CultureInvariant)]
    private static partial Regex DNS1123LabelRegex();

    [GeneratedRegex("^" + DNS1123SubdomainFmt + "\\z", RegexOptions.CultureInvariant)]
    private static partial Regex DNS1123SubdomainRegex();

    /// <summary>Problems with a label key (apimachinery IsQualifiedName): optional DNS subdomain prefix and '/', then a name.</summary>
    public static IReadOnlyList<string> ValidateKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var errors = new List<string>();
        string name;
        int slash = key.IndexOf('/');
        if (slash < 0)
        {
            name = key;
        }
        else if (key.IndexOf('/', slash + 1) >= 0)
        {
            errors.Add("a valid label key " + RegexError(LabelKeyErrMsg, LabelKeyFmt, "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
            return errors;
        }
        else
        {
            string prefix = key[..slash];
            name = key[(slash + 1)..];
            if (prefix.Length == 0)
            {
                errors.Add("prefix part " + EmptyError);
            }
            else
            {
                errors.AddRange(IsDNS1123Subdomain(prefix).Select(message => "prefix part " + message));
            }
        }

        if (name.Length == 0)
        {
            errors.Add("name part " + EmptyError);
        }
        else if (ByteLength(name) > LabelNameMaxLength)
        {
            errors.Add("name part " + MaxLenError(LabelNameMaxLength));
        }
        if (!IsLabelKeyName(name))
        {
            errors.Add("name part " + RegexError(LabelKeyErrMsg, LabelKeyFmt, "MyName", "my.name", "123-abc"));
        }
        return errors;
    }

    /// <summary>Problems with a label value (apimachinery IsValidLabelValue); the empty string is valid.</summary>
    public static IReadOnlyList<string> ValidateValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var errors = new List<string>();
        if (ByteLength(value) > LabelNameMaxLength)
        {
            errors.Add(MaxLenError(LabelNameMaxLength));
        }
        if (value.Length > 0 && !IsLabelKeyName(value))
        {
            errors.Add(RegexError(LabelValueErrMsg, LabelValueFmt, "MyValue", "my_value", "12345"));
        }
        return errors;
    }

    /// <summary>Problems with a set of labels, worded as the API server's field errors on metadata.labels.</summary>
    public static IReadOnlyList<string> ValidateLabels(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var errors = new List<string>();
        foreach (var (key, value) in labels.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            errors.AddRange(ValidateKey(key).Select(message => FieldInvalid("metadata.labels", key, message)));
            errors.AddRange(ValidateValue(value ?? "").Select(message => FieldInvalid("metadata.labels", value ?? "", message)));
        }
        return errors;
    }

    /// <summary>Problems with a set of annotations: keys as label keys (case-insensitively, as the server checks them) and at most 256 KiB of keys plus values.</summary>
    public static IReadOnlyList<string> ValidateAnnotations(IReadOnlyDictionary<string, string> annotations)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        var errors = new List<string>();
        foreach (var key in annotations.Keys.Order(StringComparer.Ordinal))
        {
            // apimachinery lowercases annotation keys before checking them: "Example.com/Name" is a valid annotation key.
            errors.AddRange(ValidateKey(key.ToLowerInvariant()).Select(message => FieldInvalid("metadata.annotations", key, message)));
        }
        if (AnnotationsSize(annotations) > TotalAnnotationSizeLimitBytes)
        {
            errors.Add($"metadata.annotations: Too long: must have at most {TotalAnnotationSizeLimitBytes} bytes");
        }
        return errors;
    }

    /// <summary>The size the API server counts against the annotation limit: UTF-8 bytes of every key and value.</summary>
    public static long AnnotationsSize(IEnumerable<KeyValuePair<string, string>> annotations)
    {
        long total = 0;
        foreach (var (key, value) in annotations)
        {
            total += ByteLength(key) + ByteLength(value ?? "");
        }
        return total;
    }

    /// <summary>Problems with the name of a pod or another object named by a DNS-1123 subdomain.</summary>
    public static IReadOnlyList<string> ValidateResourceName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length == 0 ? [NameRequired] : IsDNS1123Subdomain(name);
    }

    /// <summary>Problems with a namespace name (a DNS-1123 label).</summary>
    public static IReadOnlyList<string> ValidateNamespaceName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length == 0 ? [NameRequired] : IsDNS1123Label(name);
    }

    /// <summary>apimachinery IsDNS1123Subdomain.</summary>
    public static IReadOnlyList<string> IsDNS1123Subdomain(string value)
    {
        var errors = new List<string>();
        if (ByteLength(value) > DNS1123SubdomainMaxLength)
        {
            errors.Add(MaxLenError(DNS1123SubdomainMaxLength));
        }
        if (!DNS1123SubdomainRegex().IsMatch(value))
        {
            errors.Add(RegexError(DNS1123SubdomainErrMsg, DNS1123SubdomainFmt, "example.com"));
        }
        return errors;
    }

    /// <summary>apimachinery IsDNS1123Label.</summary>
    public static IReadOnlyList<string> IsDNS1123Label(string value)
    {
        var errors = new List<string>();
        if (ByteLength(value) > DNS1123LabelMaxLength)
        {
            errors.Add(MaxLenError(DNS1123LabelMaxLength));
        }
        if (!DNS1123LabelRegex().IsMatch(value))
        {
            // A valid subdomain that is not a valid label can only be one with dots, the length being checked already.
            errors.Add(DNS1123SubdomainRegex().IsMatch(value)
                ? "must not contain dots"
                : RegexError(DNS1123LabelErrMsg, DNS1123LabelFmt, "my-name", "123-abc"));
        }
        return errors;
    }

    /// <summary>A field error as the API server words it: <c>path: Invalid value: "value": detail</c>.</summary>
    internal static string FieldInvalid(string path, string value, string detail) =>
        $"{path}: Invalid value: {GoQuote(value)}: {detail}";

    // Go's %q, which the API server uses to quote bad values in field errors.
    internal static string GoQuote(string value)
    {
        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var rune in value.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\a': builder.Append("\\a"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\v': builder.Append("\\v"); break;
                default:
                    if (rune.Value < 0x20 || rune.Value == 0x7f)
                    {
                        builder.Append($"\\x{rune.Value:x2}");
                    }
                    else if (Rune.GetUnicodeCategory(rune) is System.Globalization.UnicodeCategory.Control
                             or System.Globalization.UnicodeCategory.Format
                             or System.Globalization.UnicodeCategory.OtherNotAssigned)
                    {
                        builder.Append(rune.Value > 0xFFFF ? $"\\U{rune.Value:x8}" : $"\\u{rune.Value:x4}");
                    }
                    else
                    {
                        builder.Append(rune.ToString());
                    }
                    break;
            }
        }
        return builder.Append('"').ToString();
    }

    private const string EmptyError = "must be non-empty";
    private const string NameRequired = "name or generateName is required";

    private static string MaxLenError(int length) => $"must be no more than {length} characters";

    // apimachinery's RegexError, including its double space before "or".
    private static string RegexError(string message, string format, params string[] examples)
    {
        if (examples.Length == 0)
        {
            return message + " (regex used for validation is '" + format + "')";
        }
        var builder = new StringBuilder(message).Append(" (e.g. ");
        for (int i = 0; i < examples.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(" or ");
            }
            builder.Append('\'').Append(examples[i]).Append("', ");
        }
        return builder.Append("regex used for validation is '").Append(format).Append("')").ToString();
    }

    private static bool IsLabelKeyName(string value)
    {
        if (value.Length == 0 || !IsAsciiAlphanumeric(value[0]) || !IsAsciiAlphanumeric(value[^1]))
        {
            return false;
        }
        for (int i = 1; i < value.Length - 1; i++)
        {
            char c = value[i];
            if (!IsAsciiAlphanumeric(c) && c != '-' && c != '_' && c != '.')
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsAsciiAlphanumeric(char c) => char.IsAsciiLetterOrDigit(c);

    private static int ByteLength(string value) => Encoding.UTF8.GetByteCount(value);
}
