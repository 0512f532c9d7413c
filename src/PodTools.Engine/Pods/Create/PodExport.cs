using System.Text;
using k8s.Models;
using PodTools.Engine.Manifests;
using PodTools.Engine.Model;

namespace PodTools.Engine.Pods.Create;

/// <summary>
/// Pods written as <c>kubectl get -o yaml</c> / <c>-o json</c> print them: one pod as itself, several as a
/// <c>kind: List</c>; with clean, without what the server set, so the text can be created again.
/// </summary>
public static class PodExport
{
    /// <summary>True when <paramref name="input"/> is a pod this class can write (a PodTools pod or a V1Pod).</summary>
    public static bool IsPod(object? input) => input is KPod or V1Pod;

    /// <summary>The pod inside a PodTools pod or a V1Pod; with kind and apiVersion filled as a single GET shows them.</summary>
    private static V1Pod PodOf(object input)
    {
        var pod = input switch
        {
            KPod kpod => kpod.Object,
            V1Pod raw => raw,
            _ => throw new ArgumentException($"a {input?.GetType().Name ?? "null"} is not a pod", nameof(input)),
        };
        pod.ApiVersion ??= "v1";
        pod.Kind ??= "Pod";
        return pod;
    }

    // Clean goes one step further than ManifestWriter.Clean: without namespace, owner and node the text can be
    // created again anywhere (kubectl create -n other -f refuses a manifest that names another namespace).
    private static V1Pod Prepare(object input, bool clean) => clean ? PodDraftBuilder.CloneForCreate(PodOf(input)) : PodOf(input);

    /// <summary>YAML of one pod, or of a List holding every pod when there are several.</summary>
    public static string ToYaml(IReadOnlyList<object> pods, bool clean)
    {
        ArgumentNullException.ThrowIfNull(pods);
        var texts = pods.Select(p => ManifestWriter.ToYaml(Prepare(p, clean))).ToList();
        if (texts.Count == 1)
        {
            return texts[0].TrimEnd('\n');
        }

        // kubectl's List: items indented under "- ", keys in alphabetical order.
        var builder = new StringBuilder("apiVersion: v1\nitems:\n");
        foreach (string text in texts)
        {
            var lines = text.TrimEnd('\n').Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                builder.Append(i == 0 ? "- " : "  ").Append(lines[i]).Append('\n');
            }
        }

        builder.Append("kind: List\nmetadata:\n  resourceVersion: \"\"");
        return builder.ToString();
    }

    /// <summary>JSON of one pod, or of a List holding every pod when there are several (4-space indent, as kubectl).</summary>
    public static string ToJson(IReadOnlyList<object> pods, bool clean)
    {
        ArgumentNullException.ThrowIfNull(pods);
        var texts = pods.Select(p => ManifestWriter.ToJson(Prepare(p, clean)).TrimEnd('\n')).ToList();
        if (texts.Count == 1)
        {
            return texts[0];
        }

        var builder = new StringBuilder("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n");
        for (int item = 0; item < texts.Count; item++)
        {
            var lines = texts[item].Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                builder.Append("        ").Append(lines[i]);
                builder.Append(i < lines.Length - 1 ? "\n" : item < texts.Count - 1 ? ",\n" : "\n");
            }
        }

        builder.Append("    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}");
        return builder.ToString();
    }

    /// <summary>The containers and init containers of a pod, init containers first as the kubelet starts them.</summary>
    public static IReadOnlyList<KContainer> Containers(KPod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return [.. pod.InitContainers, .. pod.Containers];
    }
}
