using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PodTools.Engine.Manifests;

/// <summary>One object read from a manifest, with where it starts.</summary>
public sealed record ManifestObject(IKubernetesObject<V1ObjectMeta> Object, string SourceName, int Line, int Column)
{
    /// <summary>The object's kind, e.g. "Pod".</summary>
    public string Kind => Object.Kind;
}

/// <summary>Reads YAML or JSON manifests (several documents separated by <c>---</c>, <c>kind: List</c> expanded) into typed objects.</summary>
/// <remarks>Unknown fields are refused, as kubectl's default strict field validation refuses them.</remarks>
public static class ManifestReader
{
    private static readonly Dictionary<(string ApiVersion, string Kind), Type> KnownKinds = new()
    {
        [("v1", "Pod")] = typeof(V1Pod),
        [("v1", "Namespace")] = typeof(V1Namespace),
    };

    /// <summary>Reads the file at <paramref name="path"/>; errors name the path.</summary>
    public static IReadOnlyList<ManifestObject> ReadFile(string path) => Read(File.ReadAllText(path), path);

    /// <summary>Reads manifest text; <paramref name="sourceName"/> names it in errors. Throws <see cref="ManifestException"/>.</summary>
    public static IReadOnlyList<ManifestObject> Read(string text, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceName);
        var objects = new List<ManifestObject>();
        if (LooksLikeJson(text))
        {
            // System.Text.Json gives the clearer syntax errors; JSON is also YAML, so the rest is shared.
            CheckJsonSyntax(text, sourceName);
            ReadDocument(text, 0, sourceName, objects);
            return objects;
        }
        foreach (var (document, firstLine) in SplitDocuments(text, sourceName))
        {
            ReadDocument(document, firstLine, sourceName, objects);
        }
        return objects;
    }

    private static bool LooksLikeJson(string text)
    {
        foreach (char c in text)
        {
            if (!char.IsWhiteSpace(c) && c != '\uFEFF')
            {
                return c is '{' or '[';
            }
        }
        return false;
    }

    // kubectl's YAML reader: a line starting with "---" ends a document; only a comment may follow the marker.
    private static IEnumerable<(string Document, int FirstLine)> SplitDocuments(string text, string sourceName)
    {
        var lines = text.Split('\n');
        var current = new StringBuilder();
        int firstLine = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.StartsWith("---", StringComparison.Ordinal))
            {
                string rest = line[3..].Trim();
                if (rest.Length > 0 && rest[0] != '#')
                {
                    throw new ManifestException(sourceName, i + 1, 4, $"invalid Yaml document separator: {rest}");
                }
                if (current.Length > 0)
                {
                    yield return (current.ToString(), firstLine);
                }
                current.Clear();
                firstLine = i + 1;
                continue;
            }
            current.Append(line);
            if (i < lines.Length - 1)
            {
                current.Append('\n');
            }
        }
        if (current.Length > 0)
        {
            yield return (current.ToString(), firstLine);
        }
    }

    private static void CheckJsonSyntax(string text, string sourceName)
    {
        try
        {
            using var _ = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException exception)
        {
            int line = (int)(exception.LineNumber ?? 0);
            int column = CharColumn(text, line, (int)(exception.BytePositionInLine ?? 0));
            throw new ManifestException(sourceName, line + 1, column + 1, TrimJsonMessage(exception.Message), exception);
        }
    }

    // Utf8JsonReader counts bytes within the line; users count characters.
    private static int CharColumn(string text, int zeroBasedLine, int bytePosition)
    {
        var lines = text.Split('\n');
        if (zeroBasedLine >= lines.Length)
        {
            return bytePosition;
        }
        var bytes = Encoding.UTF8.GetBytes(lines[zeroBasedLine]);
        return Encoding.UTF8.GetCharCount(bytes, 0, Math.Min(bytePosition, bytes.Length));
    }

    private static string TrimJsonMessage(string message)
    {
        int at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (at > 0 ? message[..at] : message).TrimEnd(' ', '|', '.') + ".";
    }

    private static void ReadDocument(string document, int lineOffset, string sourceName, List<ManifestObject> objects)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(document));
        }
        catch (YamlException exception)
        {
            throw PositionedError(exception, lineOffset, sourceName);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this (not a YamlException) when the text ends inside an unclosed flow
            // collection, e.g. "labels: [a"; it keeps no position, so point at the end of the document.
            var lines = document.TrimEnd('\n').Split('\n');
            throw new ManifestException(sourceName, lineOffset + lines.Length, lines[^1].Length + 1,
                "the text ends inside an unclosed flow collection ('[' or '{' without its closing bracket)");
        }

        foreach (var yamlDocument in stream.Documents)
        {
            var root = yamlDocument.RootNode;
            if (root is YamlScalarNode { Value: null or "" or "~" or "null" })
            {
                continue; // A document of comments only.
            }
            ReadObject(root, document, lineOffset, sourceName, objects, allowList: true);
        }
    }

    private static void ReadObject(YamlNode node, string document, int lineOffset, string sourceName, List<ManifestObject> objects, bool allowList)
    {
        int line = (int)node.Start.Line + lineOffset;
        int column = (int)node.Start.Column;
        if (node is not YamlMappingNode mapping)
        {
            throw new ManifestException(sourceName, line, column, "expected an object with apiVersion and kind");
        }

        var apiVersion = Scalar(mapping, "apiVersion");
        var kind = Scalar(mapping, "kind");
        var missing = new List<string>();
        if (string.IsNullOrEmpty(apiVersion?.Value))
        {
            missing.Add("apiVersion not set");
        }
        if (string.IsNullOrEmpty(kind?.Value))
        {
            missing.Add("kind not set");
        }
        if (missing.Count > 0)
        {
            // kubectl's client-side validation words it this way.
            throw new ManifestException(sourceName, line, column, $"error validating data: [{string.Join(", ", missing)}]");
        }

        if (kind!.Value == "List" && apiVersion!.Value == "v1" && allowList)
        {
            if (mapping.Children.TryGetValue(new YamlScalarNode("items"), out var items) && items is YamlSequenceNode sequence)
            {
                foreach (var item in sequence.Children)
                {
                    ReadObject(item, document, lineOffset, sourceName, objects, allowList: false);
                }
                return;
            }
            throw new ManifestException(sourceName, line, column, "a List needs an items sequence");
        }

        if (!KnownKinds.TryGetValue((apiVersion!.Value!, kind.Value!), out var type))
        {
            throw new ManifestException(sourceName, (int)kind.Start.Line + lineOffset, (int)kind.Start.Column,
                $"no matches for kind \"{kind.Value}\" in version \"{apiVersion.Value}\" (PodTools reads Pod, Namespace and List manifests)");
        }

        // Deserialize the object's own text so that typed errors keep their position in the file.
        var (objectText, objectLineOffset) = allowList
            ? (document, lineOffset)
            : ItemText(node, document, lineOffset);
        IKubernetesObject<V1ObjectMeta>? result;
        try
        {
            result = type == typeof(V1Pod)
                ? KubernetesYaml.Deserialize<V1Pod>(objectText, strict: true)
                : KubernetesYaml.Deserialize<V1Namespace>(objectText, strict: true);
        }
        catch (YamlException exception)
        {
            throw PositionedError(exception, objectLineOffset, sourceName);
        }
        if (result is null)
        {
            throw new ManifestException(sourceName, line, column, $"cannot read the {kind.Value}");
        }
        objects.Add(new ManifestObject(result, sourceName, line, column));
    }

    // The text of one item of a List, padded so that its lines and columns are those of the file.
    // YamlDotNet does not record where a mapping ends, so a block item ends at the first line indented less than it.
    private static (string Text, int LineOffset) ItemText(YamlNode item, string document, int lineOffset)
    {
        int start = (int)item.Start.Index;
        int column = (int)item.Start.Column;
        int itemLineOffset = lineOffset + (int)item.Start.Line - 1;
        if (start < document.Length && document[start] is '{')
        {
            // A flow (JSON) item can share lines with its neighbours: write it out on its own; positions are then the item's.
            var writer = new StringWriter();
            new YamlStream(new YamlDocument(item)).Save(writer, assignAnchors: false);
            return (writer.ToString(), itemLineOffset);
        }

        var text = new StringBuilder(new string(' ', column - 1));
        int lineEnd = document.IndexOf('\n', start);
        text.Append(lineEnd < 0 ? document[start..] : document[start..lineEnd]);
        while (lineEnd >= 0)
        {
            int nextStart = lineEnd + 1;
            lineEnd = document.IndexOf('\n', nextStart);
            string next = lineEnd < 0 ? document[nextStart..] : document[nextStart..lineEnd];
            string trimmed = next.TrimStart(' ');
            int indent = next.Length - trimmed.Length;
            if (trimmed.Length > 0 && !trimmed.StartsWith('#') && indent < column - 1)
            {
                break;
            }
            text.Append('\n').Append(next);
        }
        return (text.ToString(), itemLineOffset);
    }

    private static YamlScalarNode? Scalar(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value as YamlScalarNode : null;

    private static ManifestException PositionedError(YamlException exception, int lineOffset, string sourceName)
    {
        // YamlDotNet wraps the useful message ("Property 'x' not found ...") in "Exception during deserialization".
        string detail = exception.InnerException?.Message is { Length: > 0 } inner && exception.Message.StartsWith("Exception during deserialization", StringComparison.Ordinal)
            ? inner
            : exception.Message;
        int line = Math.Max(1, (int)exception.Start.Line);
        int column = Math.Max(1, (int)exception.Start.Column);
        return new ManifestException(sourceName, line + lineOffset, column, detail.Trim(), exception);
    }
}
