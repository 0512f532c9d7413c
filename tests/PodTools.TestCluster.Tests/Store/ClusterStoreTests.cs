using System.Text.Json.Nodes;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Tests.Store;

public sealed class ClusterStoreTests
{
    private static ClusterStore NewStore(int history = 1000)
    {
        var store = new ClusterStore(new ClusterClock(), history);
        store.Create("namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default" } });
        return store;
    }

    private static JsonObject Pod(string name) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "nginx" }) },
    };

    [Fact]
    public void Every_write_gets_a_higher_resourceVersion_and_a_no_op_update_keeps_it()
    {
        var store = NewStore();
        var created = store.Create("pods", Pod("a"));
        var v1 = long.Parse((string)created["metadata"]!["resourceVersion"]!);

        var updated = store.Update("pods", "default", "a", p => { p["metadata"]!["labels"] = new JsonObject { ["x"] = "1" }; return p; })!;
        var v2 = long.Parse((string)updated["metadata"]!["resourceVersion"]!);
        var unchanged = store.Update("pods", "default", "a", p => p)!;

        Assert.True(v2 > v1);
        Assert.Equal(v2.ToString(), (string?)unchanged["metadata"]!["resourceVersion"]);
        Assert.Equal(v2, store.ResourceVersion);
    }

    [Fact]
    public void Update_keeps_identity_fields_whatever_the_mutation_does()
    {
        var store = NewStore();
        var created = store.Create("pods", Pod("a"));
        var updated = store.Update("pods", "default", "a", p =>
        {
            p["metadata"]!["uid"] = "changed";
            p["metadata"]!["name"] = "other";
            p["spec"]!["nodeName"] = "worker001";
            return p;
        })!;

        Assert.Equal((string?)created["metadata"]!["uid"], (string?)updated["metadata"]!["uid"]);
        Assert.Equal("a", (string?)updated["metadata"]!["name"]);
        Assert.Equal("worker001", (string?)updated["spec"]!["nodeName"]);
    }

    [Fact]
    public void A_superseded_version_keeps_no_parsed_tree_and_the_current_one_keeps_its_own()
    {
        var store = NewStore();
        store.Create("pods", Pod("a"));
        var first = store.Find(ResourceTypes.Pods, "default", "a")!;
        var firstTree = first.Object;
        Assert.Same(firstTree, first.Object);

        store.Update("pods", "default", "a", p => { p["metadata"]!["labels"] = new JsonObject { ["x"] = "1" }; return p; });
        var second = store.Find(ResourceTypes.Pods, "default", "a")!;

        // The history still holds the first version's bytes; its tree is parsed anew on each read and kept by no one.
        Assert.NotSame(first.Object, first.Object);
        Assert.Equal(firstTree.ToJsonString(), first.Object.ToJsonString());
        Assert.Same(second.Object, second.Object);
    }

    [Fact]
    public void Objects_handed_out_are_copies()
    {
        var store = NewStore();
        var created = store.Create("pods", Pod("a"));
        created["metadata"]!["labels"] = new JsonObject { ["mutated"] = "yes" };

        Assert.Null(store.Get("pods", "default", "a")!["metadata"]!["labels"]);
    }

    [Fact]
    public async Task Subscribers_see_changes_in_order_and_a_replay_from_a_resourceVersion()
    {
        var store = NewStore();
        var before = store.ResourceVersion;
        var seen = new List<string>();
        store.Changed += e => seen.Add($"{e.Type} {e.Name}");
        using var live = store.Subscribe("pods");

        store.Create("pods", Pod("a"));
        store.Update("pods", "default", "a", p => { p["spec"]!["nodeName"] = "n"; return p; });
        store.Delete("pods", "default", "a");

        Assert.Equal(["ADDED a", "MODIFIED a", "DELETED a"], seen);
        var fromLive = new List<string>();
        for (var i = 0; i < 3; i++) fromLive.Add((await live.Events.ReadAsync()).Type);
        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], fromLive);

        using var replay = store.Subscribe("pods", "default", before);
        Assert.Equal(3, replay.InitialEventCount);
    }

    [Fact]
    public void A_resourceVersion_older_than_the_history_is_Expired()
    {
        var store = NewStore(history: 2);
        var start = store.ResourceVersion;
        for (var i = 0; i < 5; i++) store.Create("pods", Pod($"p{i}"));

        var error = Assert.Throws<StatusException>(() => store.Subscribe("pods", null, start));
        Assert.Equal(410, error.Code);
        Assert.Equal("Expired", error.Reason);
        Assert.StartsWith($"too old resource version: {start} (", error.Message);
    }

    [Fact]
    public void Create_refuses_a_missing_namespace_and_a_duplicate_name()
    {
        var store = NewStore();
        var pod = Pod("a");
        pod["metadata"]!["namespace"] = "missing";
        Assert.Equal(404, Assert.Throws<StatusException>(() => store.Create("pods", pod)).Code);

        store.Create("pods", Pod("b"));
        var duplicate = Assert.Throws<StatusException>(() => store.Create("pods", Pod("b")));
        Assert.Equal("AlreadyExists", duplicate.Reason);
    }

    [Fact]
    public async Task Concurrent_updates_through_Update_never_lose_a_write()
    {
        var store = NewStore();
        store.Create("pods", Pod("counter"));

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                store.Update("pods", "default", "counter", p =>
                {
                    var annotations = p["metadata"]!["annotations"] as JsonObject ?? new JsonObject();
                    annotations["n"] = (int.Parse((string?)annotations["n"] ?? "0") + 1).ToString();
                    p["metadata"]!["annotations"] = annotations;
                    return p;
                });
            }
        })));

        Assert.Equal("800", (string?)store.Get("pods", "default", "counter")!["metadata"]!["annotations"]!["n"]);
    }
}
