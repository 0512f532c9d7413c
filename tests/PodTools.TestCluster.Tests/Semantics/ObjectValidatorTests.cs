using System.Text.Json.Nodes;
using PodTools.TestCluster.Semantics;

namespace PodTools.TestCluster.Tests.Semantics;

public class ObjectValidatorTests
{
    private const string SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    private const string LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    private const string KeyNamePartMessage = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    private const string ValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    private static JsonObject Pod(string name = "web", string spec = """{"containers":[{"name":"app","image":"nginx"}]}""", string? labels = null) =>
        JsonNode.Parse($$"""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"{{name}}","namespace":"default"{{(labels is null ? "" : ",\"labels\":" + labels)}}},"spec":{{spec}}}""")!.AsObject();

    private static string[] Render(IReadOnlyList<StatusCause> causes) => causes.Select(c => c.ToString()).ToArray();

    [Fact]
    public void A_minimal_pod_is_valid()
    {
        Assert.Empty(ObjectValidator.ValidatePod(Pod(), isCreate: true));
    }

    [Fact]
    public void A_defaulted_pod_is_valid()
    {
        var pod = Pod(spec: """{"containers":[{"name":"app","image":"nginx:1.25","ports":[{"containerPort":80,"name":"http"}]}]}""");
        ObjectDefaults.DefaultPod(pod);
        Assert.Empty(ObjectValidator.ValidatePod(pod, isCreate: true));
        Assert.Equal("IfNotPresent", (string?)pod["spec"]!["containers"]![0]!["imagePullPolicy"]);
        Assert.Equal("TCP", (string?)pod["spec"]!["containers"]![0]!["ports"]![0]!["protocol"]);
    }

    [Theory]
    [InlineData("Bad_Name", "metadata.name: Invalid value: \"Bad_Name\": " + SubdomainMessage)]
    [InlineData("", "metadata.name: Required value: name or generateName is required")]
    public void Pod_names_must_be_DNS_subdomains(string name, string expected)
    {
        Assert.Equal([expected], Render(ObjectValidator.ValidatePod(Pod(name), isCreate: true)));
    }

    [Fact]
    public void A_dotted_pod_name_is_valid_but_a_dotted_namespace_name_is_not()
    {
        Assert.Empty(ObjectValidator.ValidatePod(Pod("web.v1"), isCreate: true));
        var ns = JsonNode.Parse("""{"metadata":{"name":"team.a"}}""")!.AsObject();
        Assert.Equal(["metadata.name: Invalid value: \"team.a\": must not contain dots"], Render(ObjectValidator.ValidateNamespace(ns)));
        var upper = JsonNode.Parse("""{"metadata":{"name":"Team"}}""")!.AsObject();
        Assert.Equal(["metadata.name: Invalid value: \"Team\": " + LabelMessage], Render(ObjectValidator.ValidateNamespace(upper)));
    }

    [Theory]
    [InlineData("""{"-bad":"x"}""", "metadata.labels: Invalid value: \"-bad\": " + KeyNamePartMessage)]
    [InlineData("""{"app":"-bad"}""", "metadata.labels: Invalid value: \"-bad\": " + ValueMessage)]
    [InlineData("""{"Example.com/app":"x"}""", "metadata.labels: Invalid value: \"Example.com/app\": prefix part " + SubdomainMessage)]
    [InlineData("""{"a/b/c":"x"}""", "metadata.labels: Invalid value: \"a/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")]
    [InlineData("""{"app":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}""", "metadata.labels: Invalid value: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": must be no more than 63 characters")]
    public void Label_keys_and_values_follow_apimachinery(string labels, string expected)
    {
        var causes = ObjectValidator.ValidatePod(Pod(labels: labels), isCreate: true);
        Assert.Equal([expected], Render(causes));
        Assert.Equal("FieldValueInvalid", causes[0].Reason);
        Assert.Equal("metadata.labels", causes[0].Field);
    }

    [Theory]
    [InlineData("app.kubernetes.io/name", "web", true)]
    [InlineData("app", "", true)]
    [InlineData("a_b.c-d", "A_b.9", true)]
    [InlineData("app", "a b", false)]
    [InlineData("app_", "x", false)]
    public void Label_validity(string key, string value, bool valid)
    {
        var labels = new JsonObject { [key] = value }.ToJsonString();
        Assert.Equal(valid, ObjectValidator.ValidatePod(Pod(labels: labels), isCreate: true).Count == 0);
    }

    [Fact]
    public void Annotation_keys_ignore_case_and_the_total_size_is_limited_to_256_KiB()
    {
        var pod = Pod();
        pod["metadata"]!["annotations"] = new JsonObject { ["Example.com/Note"] = "ok", ["-bad"] = "x", ["big"] = new string('x', 262_144) };
        var causes = ObjectValidator.ValidatePod(pod, isCreate: true);
        Assert.Equal(
            ["metadata.annotations: Invalid value: \"-bad\": " + KeyNamePartMessage, "metadata.annotations: Too long: must have at most 262144 bytes"],
            Render(causes));
        Assert.Equal("FieldValueTooLong", causes[1].Reason);
    }

    [Theory]
    [InlineData("""{"containers":[]}""", "spec.containers: Required value", "FieldValueRequired")]
    [InlineData("""{}""", "spec.containers: Required value", "FieldValueRequired")]
    [InlineData("""{"containers":[{"name":"app"}]}""", "spec.containers[0].image: Required value", "FieldValueRequired")]
    [InlineData("""{"containers":[{"image":"nginx"}]}""", "spec.containers[0].name: Required value", "FieldValueRequired")]
    [InlineData("""{"containers":[{"name":"App","image":"nginx"}]}""", "spec.containers[0].name: Invalid value: \"App\": " + LabelMessage, "FieldValueInvalid")]
    [InlineData("""{"containers":[{"name":"a","image":"x"},{"name":"a","image":"y"}]}""", "spec.containers[1].name: Duplicate value: \"a\"", "FieldValueDuplicate")]
    [InlineData("""{"initContainers":[{"name":"a","image":"x"}],"containers":[{"name":"a","image":"y"}]}""", "spec.initContainers[0].name: Duplicate value: \"a\"", "FieldValueDuplicate")]
    [InlineData("""{"restartPolicy":"Sometimes","containers":[{"name":"a","image":"x"}]}""", "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"", "FieldValueNotSupported")]
    [InlineData("""{"restartPolicy":"","containers":[{"name":"a","image":"x"}]}""", "spec.restartPolicy: Required value", "FieldValueRequired")]
    [InlineData("""{"containers":[{"name":"a","image":"x","ports":[{"containerPort":70000}]}]}""", "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive", "FieldValueInvalid")]
    [InlineData("""{"containers":[{"name":"a","image":"x","ports":[{"containerPort":0}]}]}""", "spec.containers[0].ports[0].containerPort: Required value", "FieldValueRequired")]
    [InlineData("""{"containers":[{"name":"a","image":"x","ports":[{"containerPort":80,"protocol":"HTTP"}]}]}""", "spec.containers[0].ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"", "FieldValueNotSupported")]
    [InlineData("""{"containers":[{"name":"a","image":"x","ports":[{"containerPort":80,"name":"web-http-port-name"}]}]}""", "spec.containers[0].ports[0].name: Invalid value: \"web-http-port-name\": must be no more than 15 characters", "FieldValueInvalid")]
    [InlineData("""{"containers":[{"name":"a","image":"x","ports":[{"containerPort":80,"name":"http"},{"containerPort":81,"name":"http"}]}]}""", "spec.containers[0].ports[1].name: Duplicate value: \"http\"", "FieldValueDuplicate")]
    [InlineData("""{"containers":[{"name":"a","image":"x","env":[{"value":"1"}]}]}""", "spec.containers[0].env[0].name: Required value", "FieldValueRequired")]
    [InlineData("""{"nodeSelector":{"disk":"-ssd"},"containers":[{"name":"a","image":"x"}]}""", "spec.nodeSelector: Invalid value: \"-ssd\": " + ValueMessage, "FieldValueInvalid")]
    public void Pod_spec_rules(string spec, string expected, string reason)
    {
        var causes = ObjectValidator.ValidatePod(Pod(spec: spec), isCreate: true);
        Assert.Equal([expected], Render(causes));
        Assert.Equal(reason, causes[0].Reason);
    }

    [Fact]
    public void Causes_carry_the_error_body_without_the_field_and_the_message_aggregates_them()
    {
        var causes = ObjectValidator.ValidatePod(Pod("Bad_Name", """{"containers":[{"name":"app"}]}"""), isCreate: true);
        Assert.Equal("Required value", causes[1].Message);
        Assert.Equal("spec.containers[0].image", causes[1].Field);
        Assert.Equal(
            "Pod \"Bad_Name\" is invalid: [metadata.name: Invalid value: \"Bad_Name\": " + SubdomainMessage + ", spec.containers[0].image: Required value]",
            ObjectValidator.InvalidMessage("Pod", "Bad_Name", causes));
        Assert.Equal("Pod \"x\" is invalid: spec.containers[0].image: Required value", ObjectValidator.InvalidMessage("Pod", "x", [causes[1]]));
    }

    [Fact]
    public void Node_taints_need_a_supported_effect()
    {
        var node = JsonNode.Parse("""{"metadata":{"name":"worker003"},"spec":{"taints":[{"key":"dedicated","value":"gpu","effect":"Sometimes"}]}}""")!.AsObject();
        Assert.Equal(
            ["spec.taints[0].effect: Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""],
            Render(ObjectValidator.ValidateNode(node)));
    }

    [Fact]
    public void Pod_update_may_change_images_labels_and_add_tolerations()
    {
        var before = Pod(labels: """{"app":"web"}""");
        var after = (JsonObject)before.DeepClone();
        after["spec"]!["containers"]![0]!["image"] = "nginx:1.27";
        after["metadata"]!["labels"]!["tier"] = "fe";
        after["spec"]!["tolerations"] = JsonNode.Parse("""[{"key":"k","operator":"Exists"}]""");
        after["spec"]!["activeDeadlineSeconds"] = 60;
        Assert.Empty(ObjectValidator.ValidatePodUpdate(before, after));
    }

    [Fact]
    public void Pod_update_of_any_other_spec_field_is_forbidden_with_the_apiserver_message()
    {
        var before = Pod(spec: """{"containers":[{"name":"app","image":"nginx","ports":[{"containerPort":80}]}]}""");
        var after = (JsonObject)before.DeepClone();
        after["spec"]!["containers"]![0]!["ports"]![0]!["containerPort"] = 8080;
        var cause = Assert.Single(ObjectValidator.ValidatePodUpdate(before, after));
        Assert.Equal("spec", cause.Field);
        Assert.Equal("FieldValueForbidden", cause.Reason);
        Assert.StartsWith(
            "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n",
            cause.Message);
        Assert.Contains("spec.containers", cause.Message);
    }

    [Fact]
    public void Pod_update_cannot_remove_a_toleration_raise_the_deadline_or_rename()
    {
        var before = Pod(spec: """{"activeDeadlineSeconds":30,"tolerations":[{"key":"k","operator":"Exists"}],"containers":[{"name":"app","image":"nginx"}]}""");
        var removed = (JsonObject)before.DeepClone();
        removed["spec"]!["tolerations"] = new JsonArray();
        Assert.Contains("spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds", Render(ObjectValidator.ValidatePodUpdate(before, removed)));

        var raised = (JsonObject)before.DeepClone();
        raised["spec"]!["activeDeadlineSeconds"] = 60;
        Assert.Equal(["spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to previous value"], Render(ObjectValidator.ValidatePodUpdate(before, raised)));

        var renamed = (JsonObject)before.DeepClone();
        renamed["metadata"]!["name"] = "other";
        Assert.Equal(["metadata.name: Invalid value: \"other\": field is immutable"], Render(ObjectValidator.ValidatePodUpdate(before, renamed)));
    }
}
