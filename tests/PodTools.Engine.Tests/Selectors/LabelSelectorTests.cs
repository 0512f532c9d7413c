using PodTools.Engine.Labels;
using PodTools.Engine.Selectors;

namespace PodTools.Engine.Tests.Selectors;

public class LabelSelectorTests
{
    // apimachinery selector_test.go TestSelectorParse: good strings print back without their spaces.
    [Theory]
    [InlineData("x=a,y=b,z=c")]
    [InlineData("")]
    [InlineData("x!=a,y=b")]
    [InlineData("x=")]
    [InlineData("x= ")]
    [InlineData("x=,z= ")]
    [InlineData("x= ,z= ")]
    [InlineData("!x")]
    [InlineData("x>1")]
    [InlineData("x>1,z<5")]
    public void Accepts_apimachinery_good_strings_and_prints_them_back(string text)
    {
        Assert.Equal(text.Replace(" ", ""), LabelSelector.Parse(text).ToString());
    }

    // apimachinery selector_test.go TestSelectorParse bad strings, plus TestSetSelectorParser's failures.
    [Theory]
    [InlineData("x=a||y=b")]
    [InlineData("x==a==b")]
    [InlineData("!x=a")]
    [InlineData("x<a")]
    [InlineData("x,,y")]
    [InlineData(",x,y")]
    [InlineData("x nott in (y)")]
    [InlineData("a in (xyz),")]
    [InlineData("a in (xyz)b notin ()")]
    [InlineData("a in (xyz abc)")]
    [InlineData("a notin(")]
    [InlineData("a (")]
    [InlineData("(")]
    [InlineData("x in a")]
    [InlineData("x in (a")]
    [InlineData("x in (a,b")]
    [InlineData("x=(a,b)")]
    [InlineData("x=a,")]
    [InlineData("=a")]
    [InlineData("x=a b")]
    [InlineData("app:web")]
    [InlineData("Example.com/app=web")]
    [InlineData("a/b/c=d")]
    [InlineData("x!")]
    [InlineData("!")]
    [InlineData("x>1.5")]
    [InlineData("x<")]
    [InlineData("x>-3")]
    public void Refuses_what_the_api_server_refuses(string text)
    {
        var error = Assert.Throws<SelectorSyntaxException>(() => LabelSelector.Parse(text));

        Assert.Equal(text, error.Selector);
        Assert.InRange(error.Position, 0, text.Length);
    }

    // apimachinery selector_test.go TestSetSelectorParser good cases with their canonical form.
    [Theory]
    [InlineData("\rx", "x")]
    [InlineData("this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash")]
    [InlineData("this-is-another-dns.domain.com/key-with-dash in (so,what)", "this-is-another-dns.domain.com/key-with-dash in (so,what)")]
    [InlineData("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)", "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)")]
    [InlineData("foo  in\t (abc)", "foo in (abc)")]
    [InlineData("x notin\n (abc)", "x notin (abc)")]
    [InlineData("x  notin\t\t\t(abc,def)", "x notin (abc,def)")]
    [InlineData("x in (abc,def)", "x in (abc,def)")]
    [InlineData("x in (def,abc,abc)", "x in (abc,def)")]
    [InlineData("x in (abc,)", "x in (,abc)")]
    [InlineData("x in ()", "x in ()")]
    [InlineData("x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()")]
    [InlineData("x,y in (a)", "x,y in (a)")]
    [InlineData("x=a", "x=a")]
    [InlineData("x==a", "x==a")]
    [InlineData("x>1", "x>1")]
    [InlineData("x<7", "x<7")]
    [InlineData("x=a,y!=b", "x=a,y!=b")]
    [InlineData("x=a,y!=b,z in (h,i,j)", "x=a,y!=b,z in (h,i,j)")]
    [InlineData("x notin ( )", "x notin ()")]
    [InlineData("x notin (, a)", "x notin (,a)")]
    [InlineData("a ", "a")]
    [InlineData("a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)")]
    [InlineData("notin=in", "notin=in")]
    [InlineData("in in (in)", "in in (in)")]
    [InlineData("z=c,a=b,m", "a=b,m,z=c")]
    [InlineData(" app = web , !canary ", "app=web,!canary")]
    [InlineData("x>007", "x>007")]
    public void Parses_set_based_selectors_to_their_canonical_form(string text, string canonical)
    {
        Assert.Equal(canonical, LabelSelector.Parse(text).ToString());
    }

    [Fact]
    public void Parsing_is_deterministic_whatever_the_order()
    {
        Assert.Equal(LabelSelector.Parse("x=a,a=x").ToString(), LabelSelector.Parse("a=x,x=a").ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void An_empty_selector_selects_everything(string text)
    {
        var selector = LabelSelector.Parse(text);

        Assert.True(selector.IsEmpty);
        Assert.True(selector.Matches(null));
        Assert.True(selector.Matches(new Dictionary<string, string> { ["a"] = "b" }));
        Assert.Equal("", selector.ToString());
    }

    // apimachinery selector_test.go TestSelectorMatches.
    [Theory]
    [InlineData("", "x=y", true)]
    [InlineData("x=y", "x=y", true)]
    [InlineData("x=y,z=w", "x=y,z=w", true)]
    [InlineData("x!=y,z!=w", "x=z,z=a", true)]
    [InlineData("notin=in", "notin=in", true)]
    [InlineData("x", "x=z", true)]
    [InlineData("!x", "y=z", true)]
    [InlineData("x>1", "x=2", true)]
    [InlineData("x<1", "x=0", true)]
    [InlineData("x=z", "", false)]
    [InlineData("x=y", "x=z", false)]
    [InlineData("x=y,z=w", "x=w,z=w", false)]
    [InlineData("x!=y,z!=w", "x=z,z=w", false)]
    [InlineData("x", "y=z", false)]
    [InlineData("!x", "x=z", false)]
    [InlineData("x>1", "x=0", false)]
    [InlineData("x<1", "x=2", false)]
    [InlineData("foo=bar", "foo=bar,baz=blah", true)]
    [InlineData("baz=blah", "foo=bar,baz=blah", true)]
    [InlineData("foo=bar,baz=blah", "foo=bar,baz=blah", true)]
    [InlineData("foo=blah", "foo=bar,baz=blah", false)]
    [InlineData("baz=bar", "foo=bar,baz=blah", false)]
    [InlineData("foo=bar,foobar=bar,baz=blah", "foo=bar,baz=blah", false)]
    [InlineData("x in (a,b)", "x=b", true)]
    [InlineData("x in (a,b)", "x=c", false)]
    [InlineData("x in (a,b)", "", false)]
    [InlineData("x notin (a,b)", "x=c", true)]
    [InlineData("x notin (a,b)", "", true)]
    [InlineData("x notin (a,b)", "x=a", false)]
    [InlineData("x in ()", "x=", true)]
    [InlineData("x=", "x=", true)]
    [InlineData("x=", "", false)]
    [InlineData("x!=", "", true)]
    [InlineData("x>1", "x=abc", false)]
    [InlineData("x>1", "", false)]
    [InlineData("x<10", "x=-5", true)]
    [InlineData("x>007", "x=8", true)]
    public void Matches_like_the_api_server(string selector, string labels, bool expected)
    {
        var set = labels.Length == 0
            ? new Dictionary<string, string>()
            : labels.Split(',').Select(pair => pair.Split('=')).ToDictionary(pair => pair[0], pair => pair[1]);

        Assert.Equal(expected, LabelSelector.Parse(selector).Matches(set));
    }

    public static TheoryData<string, int, string> Errors => new()
    {
        { "x=a b", 4, "found 'b', expected: ',' or 'end of string'" },
        { "!x=a", 2, "found '=', expected: ',' or 'end of string'" },
        { "x=a,", 4, "found '', expected: identifier after ','" },
        { "x,,y", 2, "found ',', expected: identifier after ','" },
        { ",x", 0, "found ',', expected: !, identifier, or 'end of string'" },
        { "x nott in (y)", 2, "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt" },
        { "a in xyz", 5, "unable to parse requirement: found 'xyz' expected: '('" },
        { "a in (xyz abc)", 10, "unable to parse requirement: found 'abc', expected: ',' or ')'" },
        { "a in (=)", 6, "unable to parse requirement: found '=', expected: ',', ')' or identifier" },
        { "a in (x,=)", 8, "unable to parse requirement: found '=', expected: ',', or identifier" },
        { "a notin(", 8, "unable to parse requirement: found '', expected: ',', ')' or identifier" },
        { "x==(a)", 3, "unable to parse requirement: found '(', expected: identifier" },
        { "!=x", 0, "found '!=', expected: !, identifier, or 'end of string'" },
        { "!!x", 1, "unable to parse requirement: found '!', expected: identifier" },
        { "app:web=x", 0, "unable to parse requirement: <nil>: Invalid value: \"app:web\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')" },
        { "tier in (front,back end)", 20, "unable to parse requirement: found 'end', expected: ',' or ')'" },
        { "app=web,tier=front/end", 13, "unable to parse requirement: values[0][tier]: Invalid value: \"front/end\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')" },
        { "x<a", 2, "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Errors_carry_kubectls_message_and_point_at_the_offending_token(string text, int position, string message)
    {
        var error = Assert.Throws<SelectorSyntaxException>(() => LabelSelector.Parse(text));

        Assert.Equal(message, error.Message);
        Assert.Equal(position, error.Position);
    }

    [Fact]
    public void Position_marker_points_under_the_offending_token()
    {
        var error = Assert.Throws<SelectorSyntaxException>(() => LabelSelector.Parse("app=web tier"));

        Assert.Equal("        ^", error.PositionMarker);
    }

    [Fact]
    public void Several_bad_values_are_reported_together_like_an_aggregate()
    {
        var error = Assert.Throws<SelectorSyntaxException>(() => LabelSelector.Parse("x in (ok,-a,-b)"));

        Assert.StartsWith("unable to parse requirement: [values[0][x]: Invalid value: \"-a\": ", error.Message);
        Assert.Contains(", values[1][x]: Invalid value: \"-b\": ", error.Message);
        Assert.Equal(9, error.Position);
    }

    [Fact]
    public void Equality_selector_from_pairs_is_sorted_and_matches()
    {
        var selector = LabelSelector.FromEquality(new Dictionary<string, string> { ["tier"] = "frontend", ["app"] = "web" });

        Assert.Equal("app=web,tier=frontend", selector.ToString());
        Assert.True(selector.Matches(new Dictionary<string, string> { ["app"] = "web", ["tier"] = "frontend", ["x"] = "y" }));
        Assert.False(selector.Matches(new Dictionary<string, string> { ["app"] = "web" }));
        Assert.Equal(selector.ToString(), LabelSelector.Parse(selector.ToString()).ToString());
    }

    [Fact]
    public void Equality_selector_allows_an_empty_value()
    {
        Assert.Equal("canary=", LabelSelector.FromEquality([new("canary", "")]).ToString());
        Assert.True(LabelSelector.FromEquality([]).IsEmpty);
    }

    [Fact]
    public void Equality_selector_refuses_an_invalid_key()
    {
        var error = Assert.Throws<InvalidLabelException>(() => LabelSelector.FromEquality([new("app name", "web")]));

        Assert.True(error.IsKeyProblem);
        Assert.Equal("app name", error.Key);
        Assert.StartsWith("Invalid value: \"app name\": name part must consist of", error.Message);
    }

    [Fact]
    public void Equality_selector_refuses_an_invalid_value()
    {
        var error = Assert.Throws<InvalidLabelException>(() => LabelSelector.FromEquality([new("app", "web server")]));

        Assert.False(error.IsKeyProblem);
        Assert.Equal("web server", error.Value);
    }

    [Fact]
    public void Requirements_expose_key_operator_and_sorted_values()
    {
        var requirement = Assert.Single(LabelSelector.Parse("env notin (prod,dev)").Requirements);

        Assert.Equal("env", requirement.Key);
        Assert.Equal(SelectorOperator.NotIn, requirement.Operator);
        Assert.Equal(["dev", "prod"], requirement.Values);
    }

    [Fact]
    public void TryParse_reports_the_error_instead_of_throwing()
    {
        Assert.False(LabelSelector.TryParse("x in (", out var selector, out var error));
        Assert.True(selector.IsEmpty);
        Assert.NotNull(error);
        Assert.True(LabelSelector.TryParse("x", out selector, out error));
        Assert.Null(error);
        Assert.Equal("x", selector.ToString());
    }
}
