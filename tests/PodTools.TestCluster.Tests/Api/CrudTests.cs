using System.Net;
using System.Text.Json.Nodes;
using static PodTools.TestCluster.Tests.Manifests;

namespace PodTools.TestCluster.Tests.Api;

[Collection(ClusterCollection.Name)]
public sealed class CrudTests(ClusterFixture fixture)
{
    private ApiClient Admin => fixture.Admin;

    [Fact]
    public async Task Create_returns_201_with_server_fields_and_defaults_and_get_returns_the_same_object()
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("web", Labels("app=web")));

        Assert.Equal(HttpStatusCode.Created, created.Status);
        var pod = created.Object;
        Assert.Equal("Pod", (string?)pod["kind"]);
        Assert.Equal(ns, (string?)pod["metadata"]!["namespace"]);
        Assert.True(Guid.TryParse((string?)pod["metadata"]!["uid"], out _));
        Assert.True(long.Parse((string)pod["metadata"]!["resourceVersion"]!) > 0);
        Assert.NotNull(pod["metadata"]!["creationTimestamp"]);
        Assert.Equal("Always", (string?)pod["spec"]!["restartPolicy"]);
        Assert.Equal(30, (int?)pod["spec"]!["terminationGracePeriodSeconds"]);
        Assert.Equal("IfNotPresent", (string?)pod["spec"]!["containers"]![0]!["imagePullPolicy"]);
        Assert.Equal("Pending", (string?)pod["status"]!["phase"]);

        var fetched = await Admin.GetAsync($"/api/v1/namespaces/{ns}/pods/web");
        Assert.Equal(HttpStatusCode.OK, fetched.Status);
        Assert.Equal((string?)pod["metadata"]!["uid"], (string?)fetched.Object["metadata"]!["uid"]);
    }

    [Fact]
    public async Task Get_of_a_missing_pod_is_NotFound_with_details()
    {
        var response = await Admin.GetAsync("/api/v1/namespaces/default/pods/nope");
        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal(
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"nope\" not found","reason":"NotFound","details":{"name":"nope","kind":"pods"},"code":404}""",
            response.Text);
    }

    [Fact]
    public async Task Creating_the_same_name_twice_is_AlreadyExists()
    {
        var ns = await fixture.NewNamespaceAsync();
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("dup"));
        var second = await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("dup"));

        Assert.Equal(HttpStatusCode.Conflict, second.Status);
        Assert.Equal("AlreadyExists", (string?)second.Object["reason"]);
        Assert.Equal("pods \"dup\" already exists", second.StatusMessage);
    }

    [Fact]
    public async Task GenerateName_gets_a_five_character_suffix()
    {
        var ns = await fixture.NewNamespaceAsync();
        var pod = Pod("");
        pod["metadata"] = new JsonObject { ["generateName"] = "gen-" };
        var created = await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", pod);

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Matches("^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$", (string?)created.Object["metadata"]!["name"]);
    }

    [Fact]
    public async Task Invalid_pod_is_422_with_field_causes()
    {
        var ns = await fixture.NewNamespaceAsync();
        var pod = Pod("Bad_Name");
        pod["spec"]!["containers"]!.AsArray().Add(new JsonObject { ["name"] = "main", ["image"] = "nginx" });
        var response = await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", pod);

        Assert.Equal((HttpStatusCode)422, response.Status);
        Assert.Equal("Invalid", (string?)response.Object["reason"]);
        Assert.Equal("Pod", (string?)response.Object["details"]!["kind"]);
        var causes = response.Object["details"]!["causes"]!.AsArray().OfType<JsonObject>().ToList();
        Assert.Contains(causes, c => (string?)c["field"] == "metadata.name" && (string?)c["reason"] == "FieldValueInvalid");
        Assert.Contains(causes, c => (string?)c["field"] == "spec.containers[1].name" && (string?)c["reason"] == "FieldValueDuplicate");
        Assert.StartsWith("Pod \"Bad_Name\" is invalid: [", response.StatusMessage);
        Assert.Null(await fixture.Cluster.Store.GetAsyncOrNull("pods", ns, "Bad_Name"));
    }

    [Fact]
    public async Task Create_in_a_missing_namespace_is_NotFound_for_the_namespace()
    {
        var response = await Admin.PostAsync("/api/v1/namespaces/no-such-ns/pods", Pod("x"));
        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal("namespaces \"no-such-ns\" not found", response.StatusMessage);
        Assert.Equal("namespaces", (string?)response.Object["details"]!["kind"]);
    }

    [Fact]
    public async Task Update_with_a_stale_resourceVersion_is_a_Conflict()
    {
        // A namespace, because no controller touches it between the test's requests.
        var ns = await fixture.NewNamespaceAsync();
        var current = (await Admin.GetAsync($"/api/v1/namespaces/{ns}")).Object;
        var stale = (JsonObject)current.DeepClone();

        current["metadata"]!["labels"]!["step"] = "one";
        var first = await Admin.SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}", current);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.NotEqual((string?)current["metadata"]!["resourceVersion"], (string?)first.Object["metadata"]!["resourceVersion"]);
        Assert.Equal("one", (string?)first.Object["metadata"]!["labels"]!["step"]);

        stale["metadata"]!["labels"]!["step"] = "two";
        var second = await Admin.SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}", stale);
        Assert.Equal(HttpStatusCode.Conflict, second.Status);
        Assert.Equal("Conflict", (string?)second.Object["reason"]);
        Assert.Equal($"Operation cannot be fulfilled on namespaces \"{ns}\": the object has been modified; please apply your changes to the latest version and try again", second.StatusMessage);
    }

    [Fact]
    public async Task Update_through_the_main_resource_keeps_the_stored_status()
    {
        var ns = await fixture.NewNamespaceAsync();
        var current = (await Admin.GetAsync($"/api/v1/namespaces/{ns}")).Object;
        current["status"] = new JsonObject { ["phase"] = "Terminating" };
        var updated = await Admin.SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}", current);

        Assert.Equal(HttpStatusCode.OK, updated.Status);
        Assert.Equal("Active", (string?)updated.Object["status"]!["phase"]);
    }

    [Fact]
    public async Task Update_may_not_change_a_pods_restart_policy()
    {
        var ns = await fixture.NewNamespaceAsync();
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("keep"));
        var pod = (await Admin.GetAsync($"/api/v1/namespaces/{ns}/pods/keep")).Object;
        pod["spec"]!["restartPolicy"] = "Never";
        // Without a resourceVersion the update is unconditional, so the kubelet's status writes cannot make it conflict.
        pod["metadata"]!.AsObject().Remove("resourceVersion");

        var forbidden = await Admin.SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/pods/keep", pod);

        Assert.Equal((HttpStatusCode)422, forbidden.Status);
        Assert.Contains("pod updates may not change fields other than", forbidden.StatusMessage);
    }

    [Fact]
    public async Task Label_selectors_use_the_full_grammar()
    {
        var ns = await fixture.NewNamespaceAsync();
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("a", Labels("env=a", "tier=web")));
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("b", Labels("env=b")));
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("c", Labels("env=c", "tier=db")));
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("d"));

        async Task<string> Names(string selector)
        {
            var list = await Admin.GetAsync($"/api/v1/namespaces/{ns}/pods?labelSelector={Uri.EscapeDataString(selector)}");
            Assert.Equal(HttpStatusCode.OK, list.Status);
            return string.Join(",", list.Object["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]));
        }

        Assert.Equal("a", await Names("env=a"));
        Assert.Equal("a", await Names("env==a"));
        Assert.Equal("b,c,d", await Names("env!=a"));
        Assert.Equal("a,b", await Names("env in (a,b)"));
        Assert.Equal("c,d", await Names("env notin (a,b)"));
        Assert.Equal("a,c", await Names("tier"));
        Assert.Equal("b,d", await Names("!tier"));
        Assert.Equal("c", await Names("tier,env notin (a)"));
        Assert.Equal("a,b,c,d", await Names(""));
    }

    [Fact]
    public async Task A_bad_label_selector_is_BadRequest()
    {
        var response = await Admin.GetAsync("/api/v1/pods?labelSelector=" + Uri.EscapeDataString("env in (a"));
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("BadRequest", (string?)response.Object["reason"]);
        Assert.False(string.IsNullOrEmpty(response.StatusMessage));
    }

    [Fact]
    public async Task Field_selectors_filter_by_name_namespace_node_and_phase()
    {
        var ns = await fixture.NewNamespaceAsync();
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("on-w1", nodeName: "worker001"));
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("on-w2", nodeName: "worker002"));

        async Task<string> Names(string path)
        {
            var list = await Admin.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, list.Status);
            return string.Join(",", list.Object["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]));
        }

        Assert.Equal("on-w1", await Names($"/api/v1/namespaces/{ns}/pods?fieldSelector=spec.nodeName%3Dworker001"));
        Assert.Equal("on-w2", await Names($"/api/v1/namespaces/{ns}/pods?fieldSelector=spec.nodeName!%3Dworker001"));
        Assert.Equal("on-w2", await Names($"/api/v1/namespaces/{ns}/pods?fieldSelector=metadata.name%3D%3Don-w2"));
        Assert.Equal("on-w1,on-w2", await Names($"/api/v1/pods?fieldSelector=metadata.namespace%3D{ns}"));
        Assert.Equal("", await Names($"/api/v1/namespaces/{ns}/pods?fieldSelector=status.phase%3DSucceeded"));

        var unsupported = await Admin.GetAsync("/api/v1/pods?fieldSelector=spec.foo%3Dx");
        Assert.Equal(HttpStatusCode.BadRequest, unsupported.Status);
        Assert.Equal("field label not supported: spec.foo", unsupported.StatusMessage);
    }

    [Fact]
    public async Task Unknown_fields_are_refused_with_Strict_and_reported_with_Warn()
    {
        var ns = await fixture.NewNamespaceAsync();
        var pod = Pod("typo");
        pod["spec"]!["containers"]![0]!["imagee"] = "nginx";

        var strict = await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods?fieldValidation=Strict", pod);
        Assert.Equal(HttpStatusCode.BadRequest, strict.Status);
        Assert.Equal("Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field \"spec.containers[0].imagee\"", strict.StatusMessage);

        var warned = await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", pod);
        Assert.Equal(HttpStatusCode.Created, warned.Status);
        Assert.Equal("299 - \"unknown field \\\"spec.containers[0].imagee\\\"\"", warned.Raw.Headers.GetValues("Warning").Single());
    }
}
