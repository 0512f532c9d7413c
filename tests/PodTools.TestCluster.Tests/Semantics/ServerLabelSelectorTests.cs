using PodTools.TestCluster.Semantics;

namespace PodTools.TestCluster.Tests.Semantics;

public class ServerLabelSelectorTests
{
    private const string KeyNamePartMessage = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    private const string ValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    private static Dictionary<string, string> Labels(string text) =>
        text.Length == 0 ? [] : text.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);

    [Theory]
    [InlineData("", "", true)]
    [InlineData("app=web", "app=web", true)]
    [InlineData("app==web", "app=web", true)]
    [InlineData("app=web", "app=db", false)]
    [InlineData("app=web", "", false)]
    [InlineData("app!=web", "app=db", true)]
    [InlineData("app!=web", "", true)]
    [InlineData("app!=web", "app=web", false)]
    [InlineData("app in (web,db)", "app=db", true)]
    [InlineData("app in (web,db)", "app=cache", false)]
    [InlineData("app in (web,db)", "tier=db", false)]
    [InlineData("app notin (web,db)", "app=cache", true)]
    [InlineData("app notin (web,db)", "tier=x", true)]
    [InlineData("app notin (web,db)", "app=web", false)]
    [InlineData("app", "app=", true)]
    [InlineData("app", "tier=x", false)]
    [InlineData("!app", "tier=x", true)]
    [InlineData("!app", "app=web", false)]
    [InlineData("app=web,tier", "app=web,tier=fe", true)]
    [InlineData("app=web,tier", "app=web", false)]
    [InlineData("app in (web), !canary, tier notin (db)", "app=web,tier=fe", true)]
    [InlineData("app=", "app=", true)]
    [InlineData("app in (,web)", "app=", true)]
    [InlineData("x in (in)", "x=in", true)]
    [InlineData("example.com/role=edge", "example.com/role=edge", true)]
    [InlineData("replicas>2", "replicas=3", true)]
    [InlineData("replicas<2", "replicas=3", false)]
    public void Matches_labels_as_the_apiserver_does(string selector, string labels, bool expected)
    {
        Assert.Equal(expected, ServerLabelSelector.Parse(selector).Matches(Labels(labels)));
    }

    [Fact]
    public void Null_labels_match_only_selectors_that_need_no_label()
    {
        Assert.True(ServerLabelSelector.Parse("!app").Matches(null));
        Assert.False(ServerLabelSelector.Parse("app").Matches(null));
    }

    [Fact]
    public void Requirements_are_sorted_by_key_with_sorted_values()
    {
        var selector = ServerLabelSelector.Parse("tier in (z,a),app=web");
        Assert.Equal(["app", "tier"], selector.Requirements.Select(r => r.Key));
        Assert.Equal(["a", "z"], selector.Requirements[1].Values);
    }

    [Theory]
    [InlineData("x in a", "unable to parse requirement: found 'a' expected: '('")]
    [InlineData("x in (a", "unable to parse requirement: found '', expected: ',' or ')'")]
    [InlineData("x in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'")]
    [InlineData("x in", "unable to parse requirement: found '' expected: '('")]
    [InlineData("x=a b", "found 'b', expected: ',' or 'end of string'")]
    [InlineData("a,", "found '', expected: identifier after ','")]
    [InlineData("a,,b", "found ',', expected: identifier after ','")]
    [InlineData("=a", "found '=', expected: !, identifier, or 'end of string'")]
    [InlineData("!", "unable to parse requirement: found '', expected: identifier")]
    [InlineData("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt")]
    [InlineData("a=(b)", "unable to parse requirement: found '(', expected: identifier")]
    [InlineData("-a=b", "unable to parse requirement: <nil>: Invalid value: \"-a\": " + KeyNamePartMessage)]
    [InlineData("a=-b", "unable to parse requirement: values[0][a]: Invalid value: \"-b\": " + ValueMessage)]
    [InlineData("a in (ok,-b)", "unable to parse requirement: values[0][a]: Invalid value: \"-b\": " + ValueMessage)]
    [InlineData("x>a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer")]
    [InlineData("/a", "unable to parse requirement: <nil>: Invalid value: \"/a\": prefix part must be non-empty")]
    [InlineData("a/b/c", "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")]
    [InlineData("Example.com/a", "unable to parse requirement: <nil>: Invalid value: \"Example.com/a\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")]
    public void Rejects_bad_selectors_with_the_apiserver_message(string selector, string message)
    {
        var error = Assert.Throws<ServerSelectorException>(() => ServerLabelSelector.Parse(selector));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void A_value_longer_than_63_characters_reports_both_problems_it_has()
    {
        var value = new string('a', 64);
        var error = Assert.Throws<ServerSelectorException>(() => ServerLabelSelector.Parse("k=" + value));
        Assert.Equal($"unable to parse requirement: values[0][k]: Invalid value: \"{value}\": must be no more than 63 characters", error.Message);
    }
}
