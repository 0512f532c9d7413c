using System.Text;

namespace PodTools.TestCluster.Semantics;

/// <summary>
/// kube-apiserver's field selector (apimachinery fields.ParseSelector): comma-joined terms with =, == or !=,
/// backslash escapes for '\', ',' and '='. Which field names a resource supports is the caller's business.
/// </summary>
public sealed class ServerFieldSelector
{
    public sealed record Term(string Field, bool Equal, string Value);

    private ServerFieldSelector(IReadOnlyList<Term> terms) => Terms = terms;

    /// <summary>Terms sorted as the apiserver sorts them (by their text).</summary>
    public IReadOnlyList<Term> Terms { get; }

    public bool IsEmpty => Terms.Count == 0;

    /// <summary>True when every term holds; <paramref name="fieldValue"/> maps a field name to its value (null counts as "").</summary>
    public bool Matches(Func<string, string?> fieldValue)
    {
        foreach (var term in Terms)
            if ((fieldValue(term.Field) ?? "") == term.Value != term.Equal) return false;
        return true;
    }

    public static ServerFieldSelector Parse(string s)
    {
        s ??= "";
        var terms = new List<Term>();
        foreach (var part in SplitTerms(s).Order(StringComparer.Ordinal))
        {
            if (part.Length == 0) continue;
            if (!SplitTerm(part, out var lhs, out var op, out var rhs))
                throw new ServerSelectorException($"invalid selector: '{s}'; can't understand '{part}'");
            terms.Add(new Term(lhs, op != "!=", Unescape(rhs)));
        }
        return new ServerFieldSelector(terms);
    }

    private static List<string> SplitTerms(string s)
    {
        var terms = new List<string>();
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\') { i++; continue; }
            if (s[i] == ',') { terms.Add(s[start..i]); start = i + 1; }
        }
        terms.Add(s[start..]);
        return terms;
    }

    private static readonly string[] Operators = ["!=", "==", "="];

    private static bool SplitTerm(string term, out string lhs, out string op, out string rhs)
    {
        for (var i = 0; i < term.Length; i++)
        {
            if (term[i] == '\\') { i++; continue; }
            foreach (var candidate in Operators)
            {
                if (string.CompareOrdinal(term, i, candidate, 0, candidate.Length) == 0)
                {
                    (lhs, op, rhs) = (term[..i], candidate, term[(i + candidate.Length)..]);
                    return true;
                }
            }
        }
        (lhs, op, rhs) = ("", "", "");
        return false;
    }

    private static string Unescape(string value)
    {
        if (!value.Contains('\\') && !value.Contains(',') && !value.Contains('=')) return value;
        var sb = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\')
            {
                if (i + 1 >= value.Length || value[i + 1] is not ('\\' or ',' or '='))
                    throw new ServerSelectorException($"invalid field selector: invalid escape sequence: {value[i..Math.Min(i + 2, value.Length)]}");
                sb.Append(value[++i]);
            }
            else if (c is ',' or '=')
                throw new ServerSelectorException($"invalid field selector: unescaped character in value: {(int)c}"); // Go prints the rune with %v: its code point
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
