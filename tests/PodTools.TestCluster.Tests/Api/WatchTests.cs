using System.Net;
using System.Text.Json.Nodes;
using static PodTools.TestCluster.Tests.Manifests;

namespace PodTools.TestCluster.Tests.Api;

[Collection(ClusterCollection.Name)]
public sealed class WatchTests(ClusterFixture fixture)
{
    private ApiClient Admin => fixture.Admin;

    private async Task<string> ListResourceVersionAsync(string ns) =>
        (string)(await Admin.GetAsync($"/api/v1/namespaces/{ns}/pods")).Object["metadata"]!["resourceVersion"]!;

    [Fact]
    public async Task Watch_from_a_list_resourceVersion_streams_added_modified_and_deleted()
    {
        var ns = await fixture.NewNamespaceAsync();
        var rv = await ListResourceVersionAsync(ns);
        await using var watch = await WatchStream.OpenAsync(Admin.Http, $"/api/v1/namespaces/{ns}/pods?watch=1&resourceVersion={rv}");
        Assert.Equal(HttpStatusCode.OK, watch.Status);

        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("w", nodeName: "worker001"));
        var added = await watch.NextAsync() ?? throw new InvalidOperationException("watch ended");
        Assert.True(added.Is("ADDED", "w"));
        Assert.Equal("Pod", (string?)added["object"]!["kind"]);
        Assert.Equal("v1", (string?)added["object"]!["apiVersion"]);

        await Admin.SendTextAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/w", """{"metadata":{"labels":{"seen":"yes"}}}""", "application/merge-patch+json");
        var labelled = await watch.NextMatchingAsync(e => e.Is("MODIFIED", "w") && (string?)e["object"]!["metadata"]!["labels"]?["seen"] == "yes");
        Assert.True(long.Parse((string)labelled["object"]!["metadata"]!["resourceVersion"]!) > long.Parse(rv));

        await Admin.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods/w?gracePeriodSeconds=0");
        await watch.NextMatchingAsync(e => e.Is("DELETED", "w"));
    }

    [Fact]
    public async Task Watch_without_resourceVersion_starts_with_the_current_objects()
    {
        var ns = await fixture.NewNamespaceAsync();
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("existing", nodeName: "worker001"));
        await using var watch = await WatchStream.OpenAsync(Admin.Http, $"/api/v1/namespaces/{ns}/pods?watch=true");
        var first = await watch.NextAsync();
        Assert.True(first!.Is("ADDED", "existing"));
    }

    [Fact]
    public async Task A_label_selector_watch_sees_objects_enter_and_leave_the_selection()
    {
        var ns = await fixture.NewNamespaceAsync();
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("mover", Labels("app=other"), nodeName: "worker002"));
        var rv = await ListResourceVersionAsync(ns);
        await using var watch = await WatchStream.OpenAsync(Admin.Http, $"/api/v1/namespaces/{ns}/pods?watch=1&labelSelector=app%3Dweb&resourceVersion={rv}");

        await Admin.SendTextAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/mover", """{"metadata":{"labels":{"app":"web"}}}""", "application/merge-patch+json");
        Assert.True((await watch.NextAsync())!.Is("ADDED", "mover"));

        await Admin.SendTextAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/mover", """{"metadata":{"labels":{"app":"gone"}}}""", "application/merge-patch+json");
        var left = await watch.NextMatchingAsync(e => e.Type() != "MODIFIED");
        Assert.True(left.Is("DELETED", "mover"));
        Assert.Equal("gone", (string?)left["object"]!["metadata"]!["labels"]!["app"]);
    }

    [Fact]
    public async Task Watch_from_a_compacted_resourceVersion_sends_an_Expired_error_event()
    {
        var ns = await fixture.NewNamespaceAsync();
        var rv = await ListResourceVersionAsync(ns);
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("after", nodeName: "worker001"));
        Assert.Equal(HttpStatusCode.OK, (await Admin.SendAsync(HttpMethod.Post, "/podtools.test/v1/compact")).Status);

        await using var watch = await WatchStream.OpenAsync(Admin.Http, $"/api/v1/namespaces/{ns}/pods?watch=1&resourceVersion={rv}");
        Assert.Equal(HttpStatusCode.OK, watch.Status);
        var error = await watch.NextAsync() ?? throw new InvalidOperationException("watch ended");
        Assert.Equal("ERROR", error.Type());
        var status = error["object"]!.AsObject();
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("Expired", (string?)status["reason"]);
        Assert.Equal(410, (int?)status["code"]);
        Assert.StartsWith($"too old resource version: {rv} (", (string?)status["message"]);
        Assert.Null(await watch.NextAsync());
    }

    [Fact]
    public async Task TimeoutSeconds_ends_the_stream()
    {
        var started = DateTime.UtcNow;
        await using var watch = await WatchStream.OpenAsync(Admin.Http, $"/api/v1/namespaces/kube-public/pods?watch=1&timeoutSeconds=1&resourceVersion={await ListResourceVersionAsync("kube-public")}");
        Assert.Null(await watch.NextAsync(timeoutSeconds: 5));
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 0.9, 5);
    }

    [Fact]
    public async Task Bookmarks_carry_a_resourceVersion_when_asked_for()
    {
        var ns = await fixture.NewNamespaceAsync();
        var rv = await ListResourceVersionAsync(ns);
        await using var watch = await WatchStream.OpenAsync(Admin.Http, $"/api/v1/namespaces/{ns}/pods?watch=1&allowWatchBookmarks=true&resourceVersion={rv}");

        // The watch cache bookmarks about once a minute; at TimeScale 30 that is every two seconds.
        var bookmark = await watch.NextAsync(timeoutSeconds: 5) ?? throw new InvalidOperationException("watch ended");
        Assert.Equal("BOOKMARK", bookmark.Type());
        Assert.Equal("Pod", (string?)bookmark["object"]!["kind"]);
        Assert.True(long.Parse((string)bookmark["object"]!["metadata"]!["resourceVersion"]!) >= long.Parse(rv));
    }

    [Fact]
    public async Task SendInitialEvents_ends_the_initial_state_with_an_annotated_bookmark()
    {
        var ns = await fixture.NewNamespaceAsync();
        await Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("one", nodeName: "worker001"));
        await using var watch = await WatchStream.OpenAsync(Admin.Http,
            $"/api/v1/namespaces/{ns}/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");

        Assert.True((await watch.NextAsync())!.Is("ADDED", "one"));
        var end = await watch.NextMatchingAsync(e => e.Type() == "BOOKMARK");
        Assert.Equal("true", (string?)end["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]);
    }
}
