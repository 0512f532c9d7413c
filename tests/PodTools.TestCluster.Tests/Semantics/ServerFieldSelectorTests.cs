using PodTools.TestCluster.Semantics;

namespace PodTools.TestCluster.Tests.Semantics;

public class ServerFieldSelectorTests
{
    private static readonly Dictionary<string, string> Pod = new()
    {
        ["metadata.name"] = "web-1", ["metadata.namespace"] = "default", ["status.phase"] = "Running", ["spec.nodeName"] = "",
    };

    [Theory]
    [InlineData("", true)]
    [InlineData("metadata.name=web-1", true)]
    [InlineData("metadata.name==web-1", true)]
    [InlineData("metadata.name=web-2", false)]
    [InlineData("status.phase!=Running", false)]
    [InlineData("status.phase!=Pending", true)]
    [InlineData("metadata.name=web-1,status.phase=Running", true)]
    [InlineData("metadata.name=web-1,status.phase=Pending", false)]
    [InlineData("spec.nodeName=", true)]
    [InlineData("spec.nodeName!=", false)]
    [InlineData("unknown.field=", true)]
    public void Matches_field_values(string selector, bool expected)
    {
        var parsed = ServerFieldSelector.Parse(selector);
        Assert.Equal(expected, parsed.Matches(field => Pod.GetValueOrDefault(field)));
    }

    [Fact]
    public void Escaped_commas_and_equals_belong_to_the_value()
    {
        var parsed = ServerFieldSelector.Parse(@"metadata.name=a\,b\=c");
        var term = Assert.Single(parsed.Terms);
        Assert.Equal("a,b=c", term.Value);
    }

    [Theory]
    [InlineData("metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'")]
    [InlineData("a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'")]
    [InlineData("a=b=c", "invalid field selector: unescaped character in value: 61")]
    [InlineData(@"a=b\x", @"invalid field selector: invalid escape sequence: \x")]
    public void Rejects_bad_field_selectors_with_the_apiserver_message(string selector, string message)
    {
        var error = Assert.Throws<ServerSelectorException>(() => ServerFieldSelector.Parse(selector));
        Assert.Equal(message, error.Message);
    }
}
