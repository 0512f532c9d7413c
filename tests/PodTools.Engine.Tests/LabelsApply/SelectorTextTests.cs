using PodTools.Engine.Labels;
using PodTools.Engine.Labels.Apply;
using PodTools.Engine.Selectors;

namespace PodTools.Engine.Tests.LabelsApply;

public sealed class SelectorTextTests
{
    private static KeyValuePair<string, IReadOnlyList<string>?> Entry(string key, params string[]? values) => new(key, values);

    [Fact]
    public void Builds_equality_in_and_exists_requirements_in_key_order()
    {
        var selector = SelectorText.FromMap([Entry("tier", null), Entry("env", "prod", "dev"), Entry("app", "web")]);

        Assert.Equal("app=web,env in (dev,prod),tier", selector.ToString());
        Assert.True(selector.Matches(new Dictionary<string, string> { ["app"] = "web", ["env"] = "dev", ["tier"] = "" }));
        Assert.False(selector.Matches(new Dictionary<string, string> { ["app"] = "web", ["env"] = "dev" }));
    }

    [Theory]
    [InlineData("bad key", "x", true)]
    [InlineData("-leading", "x", true)]
    [InlineData("app", "has space", false)]
    [InlineData("app", "a,b", false)]
    public void Refuses_keys_and_values_the_server_refuses(string key, string value, bool keyProblem)
    {
        var error = Assert.Throws<InvalidLabelException>(() => SelectorText.FromMap([Entry(key, value)]));

        Assert.Equal(keyProblem, error.IsKeyProblem);
    }

    [Fact]
    public void Refuses_an_empty_value_list()
    {
        Assert.Throws<ArgumentException>(() => SelectorText.FromMap([Entry("app", [])]));
    }

    [Fact]
    public void Combines_a_selector_and_match_labels_into_one_canonical_selector()
    {
        string? combined = SelectorText.Combine("tier notin (cache), !canary", [new("app", "web")]);

        Assert.Equal("app=web,!canary,tier notin (cache)", combined);
        Assert.Null(SelectorText.Combine(null, null));
        Assert.Throws<SelectorSyntaxException>(() => SelectorText.Combine("app in (web", null));
    }
}
