using System.Globalization;
using System.Text;

namespace PodTools.TestCluster.Semantics;

/// <summary>
/// One field cause of a 422 Invalid Status, shaped as kube-apiserver's NewInvalid shapes it:
/// Reason is the cause type (FieldValueInvalid...), Message is the error body without the field, Field the path.
/// </summary>
public sealed record StatusCause(string Reason, string Message, string Field)
{
    /// <summary>"field: message", the form the aggregated Status message lists.</summary>
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>Builds causes the way apimachinery's field.Error does, so bodies match ErrorBody() exactly.</summary>
internal static class FieldErrors
{
    public static StatusCause Required(string field, string detail = "") =>
        new("FieldValueRequired", WithDetail("Required value", detail), field);

    public static StatusCause Forbidden(string field, string detail) =>
        new("FieldValueForbidden", WithDetail("Forbidden", detail), field);

    public static StatusCause TooLong(string field, int maxBytes) =>
        new("FieldValueTooLong", $"Too long: must have at most {maxBytes} bytes", field);

    public static StatusCause Invalid(string field, object? value, string detail) =>
        new("FieldValueInvalid", WithDetail("Invalid value: " + FormatValue(value), detail), field);

    public static StatusCause Duplicate(string field, object? value) =>
        new("FieldValueDuplicate", "Duplicate value: " + FormatValue(value), field);

    public static StatusCause NotSupported(string field, object? value, IEnumerable<string> supported)
    {
        var detail = "supported values: " + string.Join(", ", supported.Select(GoQuote));
        return new("FieldValueNotSupported", WithDetail("Unsupported value: " + FormatValue(value), detail), field);
    }

    private static string WithDetail(string body, string detail) => detail.Length == 0 ? body : body + ": " + detail;

    private static string FormatValue(object? value) => value switch
    {
        null => "null",
        string s => GoQuote(s),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "null",
    };

    /// <summary>Go's strconv.Quote for the characters that occur in names and values.</summary>
    public static string GoQuote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20 || c == 0x7f) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
