using System.Globalization;
using System.Text;

namespace PodTools.Engine.Selectors;

/// <summary>The operators of a label selector requirement, as apimachinery's selection.Operator.</summary>
public enum SelectorOperator
{
    /// <summary><c>key=value</c></summary>
    Equals,
    /// <summary><c>key==value</c></summary>
    DoubleEquals,
    /// <summary><c>key!=value</c></summary>
    NotEquals,
    /// <summary><c>key in (a,b)</c></summary>
    In,
    /// <summary><c>key notin (a,b)</c></summary>
    NotIn,
    /// <summary><c>key</c></summary>
    Exists,
    /// <summary><c>!key</c></summary>
    DoesNotExist,
    /// <summary><c>key&gt;5</c> (integer values)</summary>
    GreaterThan,
    /// <summary><c>key&lt;5</c> (integer values)</summary>
    LessThan,
}

/// <summary>One requirement of a label selector: a key, an operator and its values (sorted, without duplicates).</summary>
public sealed class LabelRequirement
{
    internal LabelRequirement(string key, SelectorOperator @operator, IReadOnlyList<string> values)
    {
        Key = key;
        Operator = @operator;
        Values = values;
    }

    /// <summary>The label key.</summary>
    public string Key { get; }

    /// <summary>How the label is compared.</summary>
    public SelectorOperator Operator { get; }

    /// <summary>The values, in ordinal order; empty for Exists and DoesNotExist.</summary>
    public IReadOnlyList<string> Values { get; }

    /// <summary>Whether <paramref name="labels"/> satisfy this requirement, as apimachinery's Requirement.Matches.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        bool has = labels.TryGetValue(Key, out var actual);
        switch (Operator)
        {
            case SelectorOperator.In:
            case SelectorOperator.Equals:
            case SelectorOperator.DoubleEquals:
                return has && Values.Contains(actual!, StringComparer.Ordinal);
            case SelectorOperator.NotIn:
            case SelectorOperator.NotEquals:
                return !has || !Values.Contains(actual!, StringComparer.Ordinal);
            case SelectorOperator.Exists:
                return has;
            case SelectorOperator.DoesNotExist:
                return !has;
            case SelectorOperator.GreaterThan:
            case SelectorOperator.LessThan:
                if (!has || !TryParseInt64(actual!, out long labelValue) || Values.Count != 1 || !TryParseInt64(Values[0], out long limit))
                {
                    return false;
                }
                return Operator == SelectorOperator.GreaterThan ? labelValue > limit : labelValue < limit;
            default:
                return false;
        }
    }

    /// <summary>The requirement as apimachinery prints it: <c>!key</c>, <c>key!=v</c>, <c>key in (a,b)</c>.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        if (Operator == SelectorOperator.DoesNotExist)
        {
            builder.Append('!');
        }
        builder.Append(Key);
        switch (Operator)
        {
            case SelectorOperator.Exists:
            case SelectorOperator.DoesNotExist:
                return builder.ToString();
            case SelectorOperator.In:
                return builder.Append(" in (").AppendJoin(',', Values).Append(')').ToString();
            case SelectorOperator.NotIn:
                return builder.Append(" notin (").AppendJoin(',', Values).Append(')').ToString();
        }
        builder.Append(Operator switch
        {
            SelectorOperator.Equals => "=",
            SelectorOperator.DoubleEquals => "==",
            SelectorOperator.NotEquals => "!=",
            SelectorOperator.GreaterThan => ">",
            _ => "<",
        });
        return builder.AppendJoin(',', Values).ToString();
    }

    // Go's strconv.ParseInt(s, 10, 64): optional sign, decimal digits only.
    internal static bool TryParseInt64(string text, out long value) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}
