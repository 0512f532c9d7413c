using System.Text.Json.Nodes;
using PodTools.TestCluster.Semantics;

namespace PodTools.TestCluster.Tests.Semantics;

public class PatchesTests
{
    private static readonly JsonObject Pod = JsonNode.Parse("""
        {"metadata":{"name":"web","labels":{"app":"web","tier":"fe"},"finalizers":["a"]},
         "spec":{"containers":[
            {"name":"app","image":"nginx","ports":[{"containerPort":80,"name":"http"}],"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
             "volumeMounts":[{"name":"data","mountPath":"/data"}]},
            {"name":"sidecar","image":"busybox"}],
          "tolerations":[{"key":"x","operator":"Exists"}],
          "volumes":[{"name":"data","emptyDir":{}}]}}
        """)!.AsObject();

    private static JsonObject Apply(string type, string body) => Patches.Apply(Pod, type, body);

    private static string Json(JsonNode? node) => node?.ToJsonString() ?? "null";

    [Theory]
    [InlineData("""{"metadata":{"labels":{"tier":null,"env":"prod"}}}""", "metadata.labels", """{"app":"web","env":"prod"}""")]
    [InlineData("""{"spec":{"containers":[{"name":"only","image":"x"}]}}""", "spec.containers", """[{"name":"only","image":"x"}]""")]
    [InlineData("""{"metadata":{"labels":null}}""", "metadata.labels", "null")]
    public void Merge_patch_follows_RFC_7386(string patch, string path, string expected)
    {
        var result = Apply("application/merge-patch+json", patch);
        Assert.Equal(expected, Json(Select(result, path)));
    }

    [Fact]
    public void Patching_leaves_the_original_untouched()
    {
        var before = Pod.ToJsonString();
        Apply("application/merge-patch+json", """{"metadata":{"labels":{"app":"x"}}}""");
        Apply("application/strategic-merge-patch+json", """{"spec":{"containers":[{"name":"app","image":"x"}]}}""");
        Assert.Equal(before, Pod.ToJsonString());
    }

    [Theory]
    [InlineData("""{"metadata":{"labels":{"tier":null,"env":"prod"}}}""", "metadata.labels", """{"app":"web","env":"prod"}""")]
    [InlineData("""{"spec":{"containers":[{"name":"app","image":"nginx:2"}]}}""", "spec.containers[*].image", """["nginx:2","busybox"]""")]
    [InlineData("""{"spec":{"containers":[{"name":"new","image":"redis"}]}}""", "spec.containers[*].name", """["app","sidecar","new"]""")]
    [InlineData("""{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}""", "spec.containers[*].name", """["app"]""")]
    [InlineData("""{"spec":{"containers":[{"name":"app","ports":[{"containerPort":443,"name":"https"}]}]}}""", "spec.containers[0].ports", """[{"containerPort":80,"name":"http"},{"containerPort":443,"name":"https"}]""")]
    [InlineData("""{"spec":{"containers":[{"name":"app","ports":[{"containerPort":80,"name":"web"}]}]}}""", "spec.containers[0].ports", """[{"containerPort":80,"name":"web"}]""")]
    [InlineData("""{"spec":{"containers":[{"name":"app","env":[{"name":"B","value":"3"},{"name":"C","value":"4"}]}]}}""", "spec.containers[0].env", """[{"name":"A","value":"1"},{"name":"B","value":"3"},{"name":"C","value":"4"}]""")]
    [InlineData("""{"spec":{"containers":[{"name":"app","env":[{"name":"A","$patch":"delete"}]}]}}""", "spec.containers[0].env", """[{"name":"B","value":"2"}]""")]
    [InlineData("""{"spec":{"containers":[{"name":"app","volumeMounts":[{"name":"logs","mountPath":"/logs"}]}]}}""", "spec.containers[0].volumeMounts[*].mountPath", """["/data","/logs"]""")]
    [InlineData("""{"spec":{"volumes":[{"name":"logs","emptyDir":{}}]}}""", "spec.volumes[*].name", """["data","logs"]""")]
    [InlineData("""{"spec":{"tolerations":[{"key":"y","operator":"Exists"}]}}""", "spec.tolerations", """[{"key":"y","operator":"Exists"}]""")]
    [InlineData("""{"spec":{"containers":[{"$patch":"replace"},{"name":"solo","image":"x"}]}}""", "spec.containers", """[{"name":"solo","image":"x"}]""")]
    [InlineData("""{"metadata":{"labels":{"$patch":"replace","only":"this"}}}""", "metadata.labels", """{"only":"this"}""")]
    [InlineData("""{"metadata":{"labels":{"$patch":"delete"}}}""", "metadata.labels", """{}""")]
    [InlineData("""{"metadata":{"finalizers":["b","a"]}}""", "metadata.finalizers", """["a","b"]""")]
    [InlineData("""{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}""", "metadata.finalizers", """[]""")]
    [InlineData("""{"spec":{"$setElementOrder/containers":[{"name":"sidecar"},{"name":"app"}],"containers":[{"name":"app","image":"x"}]}}""", "spec.containers[*].name", """["sidecar","app"]""")]
    public void Strategic_merge_patch_uses_core_v1_merge_keys_and_directives(string patch, string path, string expected)
    {
        var result = Apply("application/strategic-merge-patch+json; charset=utf-8", patch);
        Assert.Equal(expected, Json(Select(result, path)));
    }

    [Fact]
    public void Strategic_merge_patch_list_item_without_its_merge_key_fails_like_the_apiserver()
    {
        var error = Assert.Throws<PatchException>(() => Apply("application/strategic-merge-patch+json", """{"spec":{"containers":[{"image":"x"}]}}"""));
        Assert.Equal(500, error.StatusCode);
        Assert.Equal("map: map[image:x] does not contain declared merge key: name", error.Message);
    }

    [Theory]
    [InlineData("""[{"op":"add","path":"/metadata/labels/env","value":"prod"}]""", "metadata.labels", """{"app":"web","tier":"fe","env":"prod"}""")]
    [InlineData("""[{"op":"remove","path":"/metadata/labels/tier"}]""", "metadata.labels", """{"app":"web"}""")]
    [InlineData("""[{"op":"replace","path":"/spec/containers/0/image","value":"nginx:2"}]""", "spec.containers[*].image", """["nginx:2","busybox"]""")]
    [InlineData("""[{"op":"add","path":"/spec/containers/-","value":{"name":"c","image":"x"}}]""", "spec.containers[*].name", """["app","sidecar","c"]""")]
    [InlineData("""[{"op":"add","path":"/spec/containers/0","value":{"name":"c","image":"x"}}]""", "spec.containers[*].name", """["c","app","sidecar"]""")]
    [InlineData("""[{"op":"test","path":"/metadata/labels/app","value":"web"},{"op":"remove","path":"/metadata/labels/app"}]""", "metadata.labels", """{"tier":"fe"}""")]
    [InlineData("""[{"op":"move","from":"/metadata/labels/tier","path":"/metadata/labels/layer"}]""", "metadata.labels", """{"app":"web","layer":"fe"}""")]
    [InlineData("""[{"op":"copy","from":"/metadata/labels/tier","path":"/metadata/labels/layer"}]""", "metadata.labels", """{"app":"web","tier":"fe","layer":"fe"}""")]
    [InlineData("""[{"op":"add","path":"/metadata/annotations","value":{"a~b/c":"1"}}]""", "metadata.annotations", """{"a~b/c":"1"}""")]
    public void Json_patch_follows_RFC_6902(string patch, string path, string expected)
    {
        Assert.Equal(expected, Json(Select(Apply("application/json-patch+json", patch), path)));
    }

    [Theory]
    [InlineData("""[{"op":"test","path":"/metadata/labels/app","value":"db"}]""", 422, "testing value /metadata/labels/app failed: test failed")]
    [InlineData("""[{"op":"remove","path":"/metadata/labels/missing"}]""", 422, "remove operation does not apply: doc is missing path: \"/metadata/labels/missing\": missing value")]
    [InlineData("""[{"op":"replace","path":"/metadata/labels/missing","value":"x"}]""", 422, "replace operation does not apply: doc is missing key: /metadata/labels/missing: missing value")]
    [InlineData("""[{"op":"add","path":"/metadata/nothere/x","value":"x"}]""", 422, "add operation does not apply: doc is missing path: \"/metadata/nothere/x\": missing value")]
    [InlineData("""[{"op":"frobnicate","path":"/metadata"}]""", 422, "Unexpected kind: frobnicate")]
    [InlineData("""{"op":"add"}""", 400, "json: cannot unmarshal object into Go value of type jsonpatch.Patch")]
    public void Json_patch_failures_answer_like_the_apiserver(string patch, int status, string message)
    {
        var error = Assert.Throws<PatchException>(() => Apply("application/json-patch+json", patch));
        Assert.Equal(status, error.StatusCode);
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("application/merge-patch+json")]
    [InlineData("application/strategic-merge-patch+json")]
    [InlineData("application/json-patch+json")]
    public void Malformed_json_is_a_bad_request(string type)
    {
        Assert.Equal(400, Assert.Throws<PatchException>(() => Apply(type, "{not json")).StatusCode);
    }

    [Fact]
    public void Unknown_patch_types_are_unsupported_media()
    {
        Assert.False(Patches.IsSupported("application/apply-patch+yaml"));
        Assert.True(Patches.IsSupported("application/merge-patch+json; charset=utf-8"));
        Assert.Equal(415, Assert.Throws<PatchException>(() => Apply("text/plain", "{}")).StatusCode);
    }

    // "a.b[0].c" and "a.b[*].c" (collects into an array) over a JsonNode tree.
    private static JsonNode? Select(JsonNode? node, string path)
    {
        var parts = path.Split('.');
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            var bracket = part.IndexOf('[');
            var name = bracket < 0 ? part : part[..bracket];
            node = node?[name];
            if (bracket < 0) continue;
            var index = part[(bracket + 1)..^1];
            if (index == "*")
            {
                var rest = string.Join('.', parts[(i + 1)..]);
                return new JsonArray(node!.AsArray().Select(item => rest.Length == 0 ? item?.DeepClone() : Select(item, rest)?.DeepClone()).ToArray());
            }
            node = node?[int.Parse(index)];
        }
        return node;
    }
}
