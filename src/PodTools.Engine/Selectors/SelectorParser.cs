using PodTools.Engine.Labels;

namespace PodTools.Engine.Selectors;

/// <summary>
/// apimachinery's labels lexer and parser (pkg/labels/selector.go), token for token, with the position of every token
/// so errors can point at the text. Messages are the ones kubectl shows.
/// </summary>
internal sealed class SelectorParser
{
    private enum TokenKind
    {
        EndOfString,
        ClosedPar,
        Comma,
        DoesNotExist,
        DoubleEquals,
        Equals,
        GreaterThan,
        Identifier,
        In,
        LessThan,
        NotEquals,
        NotIn,
        OpenPar,
    }

    private readonly record struct Token(TokenKind Kind, string Literal, int Position);

    private static readonly Dictionary<string, TokenKind> Keywords = new(StringComparer.Ordinal)
    {
        [")"] = TokenKind.ClosedPar,
        [","] = TokenKind.Comma,
        ["!"] = TokenKind.DoesNotExist,
        ["=="] = TokenKind.DoubleEquals,
        ["="] = TokenKind.Equals,
        [">"] = TokenKind.GreaterThan,
        ["in"] = TokenKind.In,
        ["<"] = TokenKind.LessThan,
        ["!="] = TokenKind.NotEquals,
        ["notin"] = TokenKind.NotIn,
        ["("] = TokenKind.OpenPar,
    };

    private const string BinaryOperators = "in, notin, =, ==, !=, gt, lt";

    private readonly string _text;
    private readonly List<Token> _tokens = new();
    private int _next;

    public SelectorParser(string text)
    {
        _text = text;
    }

    public List<LabelRequirement> Parse()
    {
        Scan();
        var requirements = new List<LabelRequirement>();
        while (true)
        {
            var token = Lookahead(valuesContext: true);
            switch (token.Kind)
            {
                case TokenKind.Identifier:
                case TokenKind.DoesNotExist:
                    requirements.Add(ParseRequirement());
                    var separator = Consume(valuesContext: true);
                    switch (separator.Kind)
                    {
                        case TokenKind.EndOfString:
                            return requirements;
                        case TokenKind.Comma:
                            var afterComma = Lookahead(valuesContext: true);
                            if (afterComma.Kind != TokenKind.Identifier && afterComma.Kind != TokenKind.DoesNotExist)
                            {
                                throw Error($"found '{afterComma.Literal}', expected: identifier after ','", afterComma);
                            }
                            break;
                        default:
                            throw Error($"found '{separator.Literal}', expected: ',' or 'end of string'", separator);
                    }
                    break;
                case TokenKind.EndOfString:
                    return requirements;
                default:
                    throw Error($"found '{token.Literal}', expected: !, identifier, or 'end of string'", token);
            }
        }
    }

    private LabelRequirement ParseRequirement()
    {
        var (key, unaryOperator) = ParseKeyAndInferOperator();
        if (unaryOperator is SelectorOperator op)
        {
            return new LabelRequirement(key, op, []);
        }

        var binaryOperator = ParseOperator();
        var values = binaryOperator is SelectorOperator.In or SelectorOperator.NotIn
            ? ParseValues()
            : ParseExactValue();

        // Values are a set, printed and checked in sorted order (sets.String.List()).
        var sorted = values.Select(value => value.Text).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        ValidateValues(key, binaryOperator, sorted, values);
        return new LabelRequirement(key, binaryOperator, sorted);
    }

    private (string Key, SelectorOperator? UnaryOperator) ParseKeyAndInferOperator()
    {
        SelectorOperator? unaryOperator = null;
        var token = Consume(valuesContext: true);
        if (token.Kind == TokenKind.DoesNotExist)
        {
            unaryOperator = SelectorOperator.DoesNotExist;
            token = Consume(valuesContext: true);
        }
        if (token.Kind != TokenKind.Identifier)
        {
            throw RequirementError($"found '{token.Literal}', expected: identifier", token);
        }
        var keyProblems = LabelRules.ValidateKey(token.Literal);
        if (keyProblems.Count > 0)
        {
            // apimachinery validates the key with a nil field path, which Go prints as "<nil>".
            throw RequirementError($"<nil>: Invalid value: {LabelRules.GoQuote(token.Literal)}: {string.Join("; ", keyProblems)}", token);
        }
        var next = Lookahead(valuesContext: true);
        if ((next.Kind == TokenKind.EndOfString || next.Kind == TokenKind.Comma) && unaryOperator is null)
        {
            unaryOperator = SelectorOperator.Exists;
        }
        return (token.Literal, unaryOperator);
    }

    private SelectorOperator ParseOperator()
    {
        var token = Consume(valuesContext: false);
        SelectorOperator op = token.Kind switch
        {
            TokenKind.In => SelectorOperator.In,
            TokenKind.Equals => SelectorOperator.Equals,
            TokenKind.DoubleEquals => SelectorOperator.DoubleEquals,
            TokenKind.GreaterThan => SelectorOperator.GreaterThan,
            TokenKind.LessThan => SelectorOperator.LessThan,
            TokenKind.NotIn => SelectorOperator.NotIn,
            TokenKind.NotEquals => SelectorOperator.NotEquals,
            _ => throw RequirementError($"found '{token.Literal}', expected: {BinaryOperators}", token),
        };
        return op;
    }

    private readonly record struct ValueToken(string Text, int Position);

    private List<ValueToken> ParseValues()
    {
        var token = Consume(valuesContext: true);
        if (token.Kind != TokenKind.OpenPar)
        {
            throw RequirementError($"found '{token.Literal}' expected: '('", token);
        }
        var first = Lookahead(valuesContext: true);
        switch (first.Kind)
        {
            case TokenKind.Identifier:
            case TokenKind.Comma:
                var values = ParseIdentifiersList();
                var closing = Consume(valuesContext: true);
                if (closing.Kind != TokenKind.ClosedPar)
                {
                    throw RequirementError($"found '{first.Literal}', expected: ')'", closing);
                }
                return values;
            case TokenKind.ClosedPar:
                // "()" is the set holding the empty string.
                Consume(valuesContext: true);
                return [new ValueToken("", first.Position)];
            default:
                throw RequirementError($"found '{first.Literal}', expected: ',', ')' or identifier", first);
        }
    }

    private List<ValueToken> ParseIdentifiersList()
    {
        var values = new List<ValueToken>();
        while (true)
        {
            var token = Consume(valuesContext: true);
            switch (token.Kind)
            {
                case TokenKind.Identifier:
                    values.Add(new ValueToken(token.Literal, token.Position));
                    var next = Lookahead(valuesContext: true);
                    switch (next.Kind)
                    {
                        case TokenKind.Comma:
                            continue;
                        case TokenKind.ClosedPar:
                            return values;
                        default:
                            throw RequirementError($"found '{next.Literal}', expected: ',' or ')'", next);
                    }
                case TokenKind.Comma:
                    // A missing value around a comma ("(,a)", "(a,)", "(a,,b)") is the empty string.
                    if (values.Count == 0)
                    {
                        values.Add(new ValueToken("", token.Position));
                    }
                    var afterComma = Lookahead(valuesContext: true);
                    if (afterComma.Kind == TokenKind.ClosedPar)
                    {
                        values.Add(new ValueToken("", afterComma.Position));
                        return values;
                    }
                    if (afterComma.Kind == TokenKind.Comma)
                    {
                        Consume(valuesContext: true);
                        values.Add(new ValueToken("", afterComma.Position));
                    }
                    break;
                default:
                    throw RequirementError($"found '{token.Literal}', expected: ',', or identifier", token);
            }
        }
    }

    private List<ValueToken> ParseExactValue()
    {
        var next = Lookahead(valuesContext: true);
        if (next.Kind == TokenKind.EndOfString || next.Kind == TokenKind.Comma)
        {
            // "k=" selects the empty value.
            return [new ValueToken("", next.Position)];
        }
        var token = Consume(valuesContext: true);
        if (token.Kind == TokenKind.Identifier)
        {
            return [new ValueToken(token.Literal, token.Position)];
        }
        throw RequirementError($"found '{token.Literal}', expected: identifier", token);
    }

    // apimachinery's NewRequirement checks, reported as its field errors (path values[i][key]).
    private void ValidateValues(string key, SelectorOperator op, string[] sorted, List<ValueToken> tokens)
    {
        var errors = new List<(string Message, int Position)>();
        int PositionOf(string value) => tokens.First(token => token.Text == value).Position;

        if (op is SelectorOperator.GreaterThan or SelectorOperator.LessThan)
        {
            for (int i = 0; i < sorted.Length; i++)
            {
                if (!LabelRequirement.TryParseInt64(sorted[i], out _))
                {
                    errors.Add(($"values[{i}]: Invalid value: {LabelRules.GoQuote(sorted[i])}: for 'Gt', 'Lt' operators, the value must be an integer", PositionOf(sorted[i])));
                }
            }
        }
        for (int i = 0; i < sorted.Length; i++)
        {
            var problems = LabelRules.ValidateValue(sorted[i]);
            if (problems.Count > 0)
            {
                errors.Add(($"values[{i}][{key}]: Invalid value: {LabelRules.GoQuote(sorted[i])}: {string.Join("; ", problems)}", PositionOf(sorted[i])));
            }
        }
        if (errors.Count == 0)
        {
            return;
        }
        // utilerrors.Aggregate prints one error bare and several as "[a, b]".
        string message = errors.Count == 1 ? errors[0].Message : "[" + string.Join(", ", errors.Select(error => error.Message)) + "]";
        throw new SelectorSyntaxException("unable to parse requirement: " + message, _text, errors.Min(error => error.Position));
    }

    private Token Lookahead(bool valuesContext) => InContext(_tokens[_next], valuesContext);

    private Token Consume(bool valuesContext)
    {
        var token = _tokens[_next];
        // The end-of-string token is sticky, so a parser that reads past the end keeps seeing it.
        if (token.Kind != TokenKind.EndOfString)
        {
            _next++;
        }
        return InContext(token, valuesContext);
    }

    // Where a value or key is expected, "in" and "notin" are plain identifiers.
    private static Token InContext(Token token, bool valuesContext) =>
        valuesContext && token.Kind is TokenKind.In or TokenKind.NotIn
            ? token with { Kind = TokenKind.Identifier }
            : token;

    // A mistake in the text between requirements, reported as apimachinery's parse() reports it.
    private SelectorSyntaxException Error(string message, Token token) =>
        new(message, _text, token.Position);

    // A mistake inside one requirement: apimachinery's parse() wraps those.
    private SelectorSyntaxException RequirementError(string message, Token token) =>
        new("unable to parse requirement: " + message, _text, token.Position);

    private void Scan()
    {
        int position = 0;
        while (true)
        {
            var token = Lex(ref position);
            _tokens.Add(token);
            if (token.Kind == TokenKind.EndOfString)
            {
                return;
            }
        }
    }

    private Token Lex(ref int position)
    {
        while (position < _text.Length && IsWhitespace(_text[position]))
        {
            position++;
        }
        // Go's lexer reads a NUL byte as the end of the text.
        if (position >= _text.Length || _text[position] == '\0')
        {
            return new Token(TokenKind.EndOfString, "", Math.Min(position, _text.Length));
        }
        int start = position;
        if (IsSpecialSymbol(_text[position]))
        {
            // The longest run of special symbols that is still a token: "!=" rather than "!" then "=".
            TokenKind? kind = null;
            int end = position;
            for (int i = position; i < _text.Length && IsSpecialSymbol(_text[i]); i++)
            {
                if (Keywords.TryGetValue(_text[position..(i + 1)], out var match))
                {
                    kind = match;
                    end = i + 1;
                }
                else if (kind is not null)
                {
                    break;
                }
            }
            position = end;
            return new Token(kind!.Value, _text[start..end], start);
        }
        while (position < _text.Length && _text[position] != '\0' && !IsSpecialSymbol(_text[position]) && !IsWhitespace(_text[position]))
        {
            position++;
        }
        string literal = _text[start..position];
        return new Token(Keywords.TryGetValue(literal, out var keyword) ? keyword : TokenKind.Identifier, literal, start);
    }

    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private static bool IsSpecialSymbol(char c) => c is '=' or '!' or '(' or ')' or ',' or '>' or '<';
}
