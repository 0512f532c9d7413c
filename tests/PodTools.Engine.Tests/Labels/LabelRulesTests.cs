using PodTools.Engine.Labels;

namespace PodTools.Engine.Tests.Labels;

public class LabelRulesTests
{
    private const string NamePartRegex = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    private const string PrefixRegex = "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    private const string ValueRegex = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
    private const string SubdomainRegex = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    private const string LabelRegex = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    public static TheoryData<string> ValidKeys => new()
    {
        "a", "A", "1", "app", "App_Name", "my.name", "123-abc", "a-b_c.d",
        new string('a', 63),
        "example.com/MyName", "kubernetes.io/role", "app.kubernetes.io/name", "a/b", "1.2.3/x",
        new string('p', 253) + "/n",
        string.Join('.', Enumerable.Repeat(new string('a', 63), 4)).Substring(0, 253) + "/name",
    };

    [Theory]
    [MemberData(nameof(ValidKeys))]
    public void Accepts_keys_the_api_server_accepts(string key)
    {
        Assert.Empty(LabelRules.ValidateKey(key));
    }

    public static TheoryData<string, string[]> InvalidKeys => new()
    {
        { "", ["name part must be non-empty", NamePartRegex] },
        { "-app", [NamePartRegex] },
        { "app-", [NamePartRegex] },
        { "app.", [NamePartRegex] },
        { "_app", [NamePartRegex] },
        { "my app", [NamePartRegex] },
        { "app:web", [NamePartRegex] },
        { "caf\u00e9", [NamePartRegex] },
        { new string('a', 64), ["name part must be no more than 63 characters"] },
        { "/name", ["prefix part must be non-empty"] },
        { "example.com/", ["name part must be non-empty", NamePartRegex] },
        { "Example.com/name", [PrefixRegex] },
        { "example_com/name", [PrefixRegex] },
        { "-example.com/name", [PrefixRegex] },
        { "example.com-/name", [PrefixRegex] },
        { new string('p', 254) + "/n", ["prefix part must be no more than 253 characters"] },
        { "a/b/c", ["a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"] },
        { "app\n", [NamePartRegex] },
    };

    [Theory]
    [MemberData(nameof(InvalidKeys))]
    public void Refuses_keys_with_apimachinery_messages(string key, string[] expected)
    {
        Assert.Equal(expected, LabelRules.ValidateKey(key));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("web")]
    [InlineData("v1.2.3")]
    [InlineData("My_Value-1")]
    [InlineData("12345")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void Accepts_label_values_the_api_server_accepts(string value)
    {
        Assert.Empty(LabelRules.ValidateValue(value));
    }

    [Theory]
    [InlineData("-web")]
    [InlineData("web-")]
    [InlineData("web.")]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData("true\n")]
    [InlineData("\u00e9t\u00e9")]
    public void Refuses_label_values_outside_the_charset(string value)
    {
        Assert.Equal([ValueRegex], LabelRules.ValidateValue(value));
    }

    [Fact]
    public void Refuses_label_values_longer_than_63_bytes()
    {
        Assert.Equal(["must be no more than 63 characters"], LabelRules.ValidateValue(new string('v', 64)));
        Assert.Equal(["must be no more than 63 characters", ValueRegex], LabelRules.ValidateValue(new string('v', 63) + "-"));
    }

    [Fact]
    public void Label_set_problems_are_worded_as_field_errors()
    {
        var problems = LabelRules.ValidateLabels(new Dictionary<string, string> { ["ok"] = "fine", ["bad key"] = "x", ["tier"] = "front end" });

        Assert.Equal(
        [
            $"metadata.labels: Invalid value: \"bad key\": {NamePartRegex}",
            $"metadata.labels: Invalid value: \"front end\": {ValueRegex}",
        ], problems);
    }

    [Fact]
    public void Annotation_keys_are_checked_case_insensitively_and_values_are_free_text()
    {
        var annotations = new Dictionary<string, string>
        {
            ["Example.COM/Owner"] = "Team A <a@example.com>\nline two",
            ["description"] = "",
        };

        Assert.Empty(LabelRules.ValidateAnnotations(annotations));
    }

    [Fact]
    public void Annotation_key_problems_name_the_key()
    {
        var problems = LabelRules.ValidateAnnotations(new Dictionary<string, string> { ["bad key"] = "v" });

        Assert.Equal([$"metadata.annotations: Invalid value: \"bad key\": {NamePartRegex}"], problems);
    }

    [Fact]
    public void Annotations_may_total_exactly_256_KiB_of_keys_and_values()
    {
        var atLimit = new Dictionary<string, string> { ["k"] = new string('v', 262144 - 1) };
        var overLimit = new Dictionary<string, string> { ["k"] = new string('v', 262144) };

        Assert.Empty(LabelRules.ValidateAnnotations(atLimit));
        Assert.Equal(["metadata.annotations: Too long: must have at most 262144 bytes"], LabelRules.ValidateAnnotations(overLimit));
    }

    [Fact]
    public void Annotation_size_counts_utf8_bytes()
    {
        // 'é' is two bytes in UTF-8: 131072 of them are exactly 256 KiB, plus the key's byte.
        var annotations = new Dictionary<string, string> { ["k"] = new string('\u00e9', 131072) };

        Assert.Equal(262145, LabelRules.AnnotationsSize(annotations));
        Assert.NotEmpty(LabelRules.ValidateAnnotations(annotations));
    }

    [Theory]
    [InlineData("web")]
    [InlineData("web-1")]
    [InlineData("web.prod")]
    [InlineData("0abc")]
    public void Accepts_pod_names_that_are_dns_subdomains(string name)
    {
        Assert.Empty(LabelRules.ValidateResourceName(name));
    }

    [Theory]
    [InlineData("Web")]
    [InlineData("web_1")]
    [InlineData("web-")]
    [InlineData("-web")]
    [InlineData("web..prod")]
    [InlineData("web prod")]
    public void Refuses_pod_names_that_are_not_dns_subdomains(string name)
    {
        Assert.Equal([SubdomainRegex], LabelRules.ValidateResourceName(name));
    }

    [Fact]
    public void Pod_names_are_limited_to_253_characters_and_required()
    {
        Assert.Empty(LabelRules.ValidateResourceName(new string('a', 253)));
        Assert.Equal(["must be no more than 253 characters"], LabelRules.ValidateResourceName(new string('a', 254)));
        Assert.Equal(["name or generateName is required"], LabelRules.ValidateResourceName(""));
    }

    [Fact]
    public void Namespace_names_are_dns_labels()
    {
        Assert.Empty(LabelRules.ValidateNamespaceName("team-a"));
        Assert.Equal(["must not contain dots"], LabelRules.ValidateNamespaceName("team.a"));
        Assert.Equal([LabelRegex], LabelRules.ValidateNamespaceName("Team-A"));
        Assert.Equal(["must be no more than 63 characters"], LabelRules.ValidateNamespaceName(new string('n', 64)));
        Assert.Equal(["name or generateName is required"], LabelRules.ValidateNamespaceName(""));
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("a \"b\" \\c", "\"a \\\"b\\\" \\\\c\"")]
    [InlineData("tab\there\n", "\"tab\\there\\n\"")]
    [InlineData("\u0001", "\"\\x01\"")]
    [InlineData("caf\u00e9", "\"caf\u00e9\"")]
    public void Quotes_bad_values_like_go(string value, string expected)
    {
        Assert.Equal(expected, LabelRules.GoQuote(value));
    }
}
