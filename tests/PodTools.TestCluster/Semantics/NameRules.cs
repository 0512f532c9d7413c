using System.Text.RegularExpressions;

namespace PodTools.TestCluster.Semantics;

/// <summary>apimachinery's name, label and port checks (util/validation, api/validate/content), with its messages word for word.</summary>
public static partial class NameRules
{
    public const int LabelValueMaxLength = 63;
    public const int Dns1123LabelMaxLength = 63;
    public const int Dns1123SubdomainMaxLength = 253;
    public const int TotalAnnotationSizeLimitBytes = 256 * 1024;

    private const string LabelKeyFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private const string LabelKeyMessage = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    private const string LabelValueFormat = "(" + LabelKeyFormat + ")?";
    private const string LabelValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    private const string Dns1123LabelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private const string Dns1123LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
    private const string Dns1123SubdomainFormat = Dns1123LabelFormat + "(\\." + Dns1123LabelFormat + ")*";
    private const string Dns1123SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    private const string EnvVarNameFormat = "[-._a-zA-Z][-._a-zA-Z0-9]*";
    private const string EnvVarNameMessage = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";

    [GeneratedRegex("^" + LabelKeyFormat + "$", RegexOptions.CultureInvariant)] private static partial Regex LabelKeyRegex();
    [GeneratedRegex("^" + LabelValueFormat + "$", RegexOptions.CultureInvariant)] private static partial Regex LabelValueRegex();
    [GeneratedRegex("^" + Dns1123LabelFormat + "$", RegexOptions.CultureInvariant)] private static partial Regex Dns1123LabelRegex();
    [GeneratedRegex("^" + Dns1123SubdomainFormat + "$", RegexOptions.CultureInvariant)] private static partial Regex Dns1123SubdomainRegex();
    [GeneratedRegex("^" + EnvVarNameFormat + "$", RegexOptions.CultureInvariant)] private static partial Regex EnvVarNameRegex();
    [GeneratedRegex("^[-a-z0-9]+$", RegexOptions.CultureInvariant)] private static partial Regex PortNameCharsetRegex();
    [GeneratedRegex("[a-z]", RegexOptions.CultureInvariant)] private static partial Regex PortNameLetterRegex();

    /// <summary>IsQualifiedName / IsLabelKey: optional DNS subdomain prefix, '/', then a 63-character name part.</summary>
    public static List<string> QualifiedName(string value)
    {
        var errors = new List<string>();
        var parts = value.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                name = parts[1];
                if (parts[0].Length == 0)
                    errors.Add("prefix part " + EmptyError);
                else
                    errors.AddRange(Dns1123Subdomain(parts[0]).Select(m => "prefix part " + m));
                break;
            default:
                errors.Add("a valid label key " + RegexError(LabelKeyMessage, LabelKeyFormat, "MyName", "my.name", "123-abc") +
                           " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
                return errors;
        }
        if (name.Length == 0)
            errors.Add("name part " + EmptyError);
        else if (name.Length > 63)
            errors.Add("name part " + MaxLenError(63));
        if (!LabelKeyRegex().IsMatch(name))
            errors.Add("name part " + RegexError(LabelKeyMessage, LabelKeyFormat, "MyName", "my.name", "123-abc"));
        return errors;
    }

    public static List<string> LabelValue(string value)
    {
        var errors = new List<string>();
        if (value.Length > LabelValueMaxLength) errors.Add(MaxLenError(LabelValueMaxLength));
        if (!LabelValueRegex().IsMatch(value)) errors.Add(RegexError(LabelValueMessage, LabelValueFormat, "MyValue", "my_value", "12345"));
        return errors;
    }

    public static List<string> Dns1123Label(string value)
    {
        var errors = new List<string>();
        if (value.Length > Dns1123LabelMaxLength) errors.Add(MaxLenError(Dns1123LabelMaxLength));
        if (!Dns1123LabelRegex().IsMatch(value))
        {
            // A valid subdomain that is not a valid label (length already checked) can only be failing on dots.
            errors.Add(Dns1123SubdomainRegex().IsMatch(value)
                ? "must not contain dots"
                : RegexError(Dns1123LabelMessage, Dns1123LabelFormat, "my-name", "123-abc"));
        }
        return errors;
    }

    public static List<string> Dns1123Subdomain(string value)
    {
        var errors = new List<string>();
        if (value.Length > Dns1123SubdomainMaxLength) errors.Add(MaxLenError(Dns1123SubdomainMaxLength));
        if (!Dns1123SubdomainRegex().IsMatch(value)) errors.Add(RegexError(Dns1123SubdomainMessage, Dns1123SubdomainFormat, "example.com"));
        return errors;
    }

    /// <summary>NameIsDNSSubdomain / NameIsDNSLabel with prefix=true mask a trailing '-' (generateName).</summary>
    public static List<string> ResourceName(string value, bool prefix, bool labelOnly)
    {
        if (prefix && value.EndsWith('-')) value = value[..^1] + "a";
        return labelOnly ? Dns1123Label(value) : Dns1123Subdomain(value);
    }

    public static List<string> PortName(string port)
    {
        var errors = new List<string>();
        if (port.Length > 15) errors.Add(MaxLenError(15));
        if (!PortNameCharsetRegex().IsMatch(port)) errors.Add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        if (!PortNameLetterRegex().IsMatch(port)) errors.Add("must contain at least one letter (a-z)");
        if (port.Contains("--", StringComparison.Ordinal)) errors.Add("must not contain consecutive hyphens");
        if (port.Length > 0 && (port[0] == '-' || port[^1] == '-')) errors.Add("must not begin or end with a hyphen");
        return errors;
    }

    public static List<string> PortNumber(long port) =>
        port is >= 1 and <= 65535 ? [] : [InclusiveRangeError(1, 65535)];

    public static List<string> EnvVarName(string value)
    {
        var errors = new List<string>();
        if (!EnvVarNameRegex().IsMatch(value))
            errors.Add(RegexError(EnvVarNameMessage, EnvVarNameFormat, "my.env-name", "MY_ENV.NAME", "MyEnvName1"));
        if (value == ".") errors.Add("must not be '.'");
        else if (value == "..") errors.Add("must not be '..'");
        else if (value.StartsWith("..", StringComparison.Ordinal)) errors.Add("must not start with '..'");
        return errors;
    }

    public const string EmptyError = "must be non-empty";
    public static string MaxLenError(int length) => $"must be no more than {length} characters";
    public static string InclusiveRangeError(long lo, long hi) => $"must be between {lo} and {hi}, inclusive";

    public static string RegexError(string message, string format, params string[] examples)
    {
        if (examples.Length == 0) return message + " (regex used for validation is '" + format + "')";
        var text = message + " (e.g. ";
        for (var i = 0; i < examples.Length; i++)
        {
            if (i > 0) text += " or ";
            text += "'" + examples[i] + "', ";
        }
        return text + "regex used for validation is '" + format + "')";
    }
}
