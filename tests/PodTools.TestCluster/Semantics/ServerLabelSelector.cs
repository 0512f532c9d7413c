namespace PodTools.TestCluster.Semantics;

/// <summary>A label selector that is not valid; the message is the one labels.Parse gives (kube-apiserver answers 400 with it).</summary>
public sealed class ServerSelectorException(string message) : Exception(message);

/// <summary>
/// kube-apiserver's label selector (apimachinery labels.Parse): =, ==, !=, in, notin, exists, !exists (and the
/// rarely used gt/lt), comma-joined, with the same lexer, the same key/value validation and the same error texts.
/// </summary>
public sealed class ServerLabelSelector
{
    public enum Operator { Equals, DoubleEquals, NotEquals, In, NotIn, Exists, DoesNotExist, GreaterThan, LessThan }

    public sealed record Requirement(string Key, Operator Operator, IReadOnlyList<string> Values)
    {
        public bool Matches(IReadOnlyDictionary<string, string> labels)
        {
            var has = labels.TryGetValue(Key, out var value);
            switch (Operator)
            {
                case Operator.In or Operator.Equals or Operator.DoubleEquals:
                    return has && Values.Contains(value!);
                case Operator.NotIn or Operator.NotEquals:
                    return !has || !Values.Contains(value!);
                case Operator.Exists:
                    return has;
                case Operator.DoesNotExist:
                    return !has;
                default:
                    if (!has || !long.TryParse(value, out var actual) || Values.Count != 1 || !long.TryParse(Values[0], out var bound)) return false;
                    return Operator == Operator.GreaterThan ? actual > bound : actual < bound;
            }
        }
    }

    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    private ServerLabelSelector(IReadOnlyList<Requirement> requirements) => Requirements = requirements;

    /// <summary>Requirements sorted by key, as the apiserver keeps them.</summary>
    public IReadOnlyList<Requirement> Requirements { get; }

    public bool IsEmpty => Requirements.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        labels ??= NoLabels;
        foreach (var requirement in Requirements)
            if (!requirement.Matches(labels)) return false;
        return true;
    }

    /// <summary>Parses like labels.Parse; throws <see cref="ServerSelectorException"/> with its message.</summary>
    public static ServerLabelSelector Parse(string s)
    {
        var parser = new Parser(Lexer.Scan(s ?? ""));
        var requirements = parser.ParseAll();
        // Go's sort.Sort by key; a stable sort gives the same result for distinct keys.
        return new ServerLabelSelector(requirements.OrderBy(r => r.Key, StringComparer.Ordinal).ToList());
    }

    private enum Token { Error, EndOfString, ClosedPar, Comma, DoesNotExist, DoubleEquals, Equals, GreaterThan, Identifier, In, LessThan, NotEquals, NotIn, OpenPar }

    private static readonly Dictionary<string, Token> Keywords = new(StringComparer.Ordinal)
    {
        [")"] = Token.ClosedPar, [","] = Token.Comma, ["!"] = Token.DoesNotExist, ["=="] = Token.DoubleEquals,
        ["="] = Token.Equals, [">"] = Token.GreaterThan, ["in"] = Token.In, ["<"] = Token.LessThan,
        ["!="] = Token.NotEquals, ["notin"] = Token.NotIn, ["("] = Token.OpenPar,
    };

    private static class Lexer
    {
        public static List<(Token Token, string Literal)> Scan(string s)
        {
            var items = new List<(Token, string)>();
            var pos = 0;
            while (true)
            {
                while (pos < s.Length && IsWhitespace(s[pos])) pos++;
                (Token, string) item;
                if (pos >= s.Length) item = (Token.EndOfString, "");
                else if (IsSpecial(s[pos])) item = ScanSpecial(s, ref pos);
                else item = ScanIdentifierOrKeyword(s, ref pos);
                items.Add(item);
                if (item.Item1 == Token.EndOfString) return items;
            }
        }

        private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\r' or '\n';
        private static bool IsSpecial(char c) => c is '=' or '!' or '(' or ')' or ',' or '>' or '<';

        private static (Token, string) ScanIdentifierOrKeyword(string s, ref int pos)
        {
            var start = pos;
            while (pos < s.Length && !IsSpecial(s[pos]) && !IsWhitespace(s[pos])) pos++;
            var literal = s[start..pos];
            return Keywords.TryGetValue(literal, out var token) ? (token, literal) : (Token.Identifier, literal);
        }

        // Longest run of special symbols that is still a known operator, like the Go lexer.
        private static (Token, string) ScanSpecial(string s, ref int pos)
        {
            var buffer = "";
            (Token Token, string Literal) last = (Token.Error, "");
            while (pos < s.Length && IsSpecial(s[pos]))
            {
                buffer += s[pos];
                pos++;
                if (Keywords.TryGetValue(buffer, out var token)) last = (token, buffer);
                else if (last.Token != Token.Error) { pos--; break; }
            }
            return last.Token == Token.Error ? (Token.Error, $"error expected: keyword found '{buffer}'") : last;
        }
    }

    private sealed class Parser(List<(Token Token, string Literal)> items)
    {
        private int _position;

        private (Token Token, string Literal) Lookahead(bool values) => Translate(items[_position], values);
        private (Token Token, string Literal) Consume(bool values) => Translate(items[_position++], values);

        // In a values context 'in' and 'notin' are plain identifiers ("x in (in)").
        private static (Token, string) Translate((Token Token, string Literal) item, bool values) =>
            values && item.Token is Token.In or Token.NotIn ? (Token.Identifier, item.Literal) : item;

        public List<Requirement> ParseAll()
        {
            var requirements = new List<Requirement>();
            while (true)
            {
                var (token, literal) = Lookahead(values: true);
                switch (token)
                {
                    case Token.Identifier or Token.DoesNotExist:
                        requirements.Add(ParseRequirementOrThrow());
                        var (next, nextLiteral) = Consume(values: true);
                        switch (next)
                        {
                            case Token.EndOfString:
                                return requirements;
                            case Token.Comma:
                                var (afterComma, afterLiteral) = Lookahead(values: true);
                                if (afterComma is not (Token.Identifier or Token.DoesNotExist))
                                    throw new ServerSelectorException($"found '{afterLiteral}', expected: identifier after ','");
                                break;
                            default:
                                throw new ServerSelectorException($"found '{nextLiteral}', expected: ',' or 'end of string'");
                        }
                        break;
                    case Token.EndOfString:
                        return requirements;
                    default:
                        throw new ServerSelectorException($"found '{literal}', expected: !, identifier, or 'end of string'");
                }
            }
        }

        private Requirement ParseRequirementOrThrow()
        {
            try { return ParseRequirement(); }
            catch (FormatException e) { throw new ServerSelectorException("unable to parse requirement: " + e.Message); }
        }

        private Requirement ParseRequirement()
        {
            var (key, op) = ParseKeyAndInferOperator();
            if (op is Operator.Exists or Operator.DoesNotExist) return NewRequirement(key, op.Value, []);
            op = ParseOperator();
            var values = op is Operator.In or Operator.NotIn ? ParseValues() : ParseExactValue();
            return NewRequirement(key, op.Value, values.Order(StringComparer.Ordinal).ToList());
        }

        private (string Key, Operator? Operator) ParseKeyAndInferOperator()
        {
            Operator? op = null;
            var (token, literal) = Consume(values: true);
            if (token == Token.DoesNotExist)
            {
                op = Operator.DoesNotExist;
                (token, literal) = Consume(values: true);
            }
            if (token != Token.Identifier) throw new FormatException($"found '{literal}', expected: identifier");
            var keyErrors = NameRules.QualifiedName(literal);
            if (keyErrors.Count > 0)
                throw new FormatException(FieldErrors.Invalid("<nil>", literal, string.Join("; ", keyErrors)).ToString());
            var (next, _) = Lookahead(values: true);
            if ((next is Token.EndOfString or Token.Comma) && op != Operator.DoesNotExist) op = Operator.Exists;
            return (literal, op);
        }

        private Operator ParseOperator()
        {
            var (token, literal) = Consume(values: false);
            return token switch
            {
                Token.In => Operator.In,
                Token.Equals => Operator.Equals,
                Token.DoubleEquals => Operator.DoubleEquals,
                Token.GreaterThan => Operator.GreaterThan,
                Token.LessThan => Operator.LessThan,
                Token.NotIn => Operator.NotIn,
                Token.NotEquals => Operator.NotEquals,
                _ => throw new FormatException($"found '{literal}', expected: in, notin, =, ==, !=, gt, lt"),
            };
        }

        private SortedSet<string> ParseValues()
        {
            var (token, literal) = Consume(values: true);
            if (token != Token.OpenPar) throw new FormatException($"found '{literal}' expected: '('");
            (token, literal) = Lookahead(values: true);
            switch (token)
            {
                case Token.Identifier or Token.Comma:
                    var set = ParseIdentifiersList();
                    if (Consume(values: true).Token != Token.ClosedPar) throw new FormatException($"found '{literal}', expected: ')'");
                    return set;
                case Token.ClosedPar:
                    Consume(values: true);
                    return new SortedSet<string>(StringComparer.Ordinal) { "" };
                default:
                    throw new FormatException($"found '{literal}', expected: ',', ')' or identifier");
            }
        }

        private SortedSet<string> ParseIdentifiersList()
        {
            var set = new SortedSet<string>(StringComparer.Ordinal);
            while (true)
            {
                var (token, literal) = Consume(values: true);
                switch (token)
                {
                    case Token.Identifier:
                        set.Add(literal);
                        var (next, nextLiteral) = Lookahead(values: true);
                        if (next == Token.Comma) continue;
                        if (next == Token.ClosedPar) return set;
                        throw new FormatException($"found '{nextLiteral}', expected: ',' or ')'");
                    case Token.Comma:
                        if (set.Count == 0) set.Add("");
                        var (afterComma, _) = Lookahead(values: true);
                        if (afterComma == Token.ClosedPar) { set.Add(""); return set; }
                        if (afterComma == Token.Comma) { Consume(values: true); set.Add(""); }
                        break;
                    default:
                        throw new FormatException($"found '{literal}', expected: ',', or identifier");
                }
            }
        }

        private SortedSet<string> ParseExactValue()
        {
            var set = new SortedSet<string>(StringComparer.Ordinal);
            var (next, _) = Lookahead(values: true);
            if (next is Token.EndOfString or Token.Comma) { set.Add(""); return set; }
            var (token, literal) = Consume(values: true);
            if (token != Token.Identifier) throw new FormatException($"found '{literal}', expected: identifier");
            set.Add(literal);
            return set;
        }

        // labels.NewRequirement: aggregates every problem; one error prints bare, several as "[a, b]".
        private static Requirement NewRequirement(string key, Operator op, List<string> values)
        {
            var errors = new List<string>();
            var keyErrors = NameRules.QualifiedName(key);
            if (keyErrors.Count > 0) errors.Add(FieldErrors.Invalid("key", key, string.Join("; ", keyErrors)).ToString());
            if (op is Operator.GreaterThan or Operator.LessThan)
            {
                // The parser always yields exactly one value here, so only the integer check can fail.
                for (var i = 0; i < values.Count; i++)
                    if (!long.TryParse(values[i], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _))
                        errors.Add(FieldErrors.Invalid($"values[{i}]", values[i], "for 'Gt', 'Lt' operators, the value must be an integer").ToString());
            }
            for (var i = 0; i < values.Count; i++)
            {
                var valueErrors = NameRules.LabelValue(values[i]);
                if (valueErrors.Count > 0)
                    errors.Add(FieldErrors.Invalid($"values[{i}][{key}]", values[i], string.Join("; ", valueErrors)).ToString());
            }
            var distinct = errors.Distinct().ToList();
            if (distinct.Count == 1) throw new FormatException(distinct[0]);
            if (distinct.Count > 1) throw new FormatException("[" + string.Join(", ", distinct) + "]");
            return new Requirement(key, op, values);
        }
    }
}
