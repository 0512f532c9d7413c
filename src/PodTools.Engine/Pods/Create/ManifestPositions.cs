using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PodTools.Engine.Pods.Create;

/// <summary>
/// Finds where a field of an object sits in its manifest, so a client-side validation error can name the
/// line and column of the offending name, label or container, not only the start of the object.
/// </summary>
internal static class ManifestPositions
{
    /// <summary>
    /// The 1-based line and column of <paramref name="path"/> (map keys; numbers index sequences) below the object
    /// that starts at the position; the key itself when <paramref name="atValue"/> is false. Falls back to the
    /// deepest part of the path that was found, then to the object's start.
    /// </summary>
    public static (int Line, int Column) Find(SourcePosition position, IReadOnlyList<string> path, bool atValue = true)
    {
        var fallback = (position.Line, position.Column);
        var root = FindObject(position);
        if (root is null)
        {
            return fallback;
        }

        YamlNode node = root;
        var found = fallback;
        for (int i = 0; i < path.Count; i++)
        {
            string segment = path[i];
            bool last = i == path.Count - 1;
            switch (node)
            {
                case YamlMappingNode mapping:
                    var entry = mapping.Children.FirstOrDefault(pair => pair.Key is YamlScalarNode key && key.Value == segment);
                    if (entry.Key is null)
                    {
                        return found;
                    }

                    found = last && !atValue ? At(entry.Key.Start) : At(entry.Value.Start);
                    if (last && !atValue)
                    {
                        return found;
                    }

                    node = entry.Value;
                    break;
                case YamlSequenceNode sequence when int.TryParse(segment, out int index) && index >= 0 && index < sequence.Children.Count:
                    node = sequence.Children[index];
                    found = At(node.Start);
                    break;
                default:
                    return found;
            }
        }

        return found;
    }

    private static (int, int) At(Mark mark) => ((int)mark.Line, (int)mark.Column);

    // The mapping that starts where the manifest reader said the object starts (a document root or a List item).
    private static YamlMappingNode? FindObject(SourcePosition position)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(position.Text));
        }
        catch (YamlException)
        {
            return null;
        }

        foreach (var document in stream.Documents)
        {
            if (Search(document.RootNode, position.Line, position.Column, depth: 0) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private static YamlMappingNode? Search(YamlNode node, int line, int column, int depth)
    {
        if (node is YamlMappingNode mapping && node.Start.Line == line && node.Start.Column == column)
        {
            return mapping;
        }

        // Objects are document roots or items of a List's items sequence: two levels down at most.
        if (depth >= 2)
        {
            return null;
        }

        if (node is YamlMappingNode parent && parent.Children.TryGetValue(new YamlScalarNode("items"), out var items)
            && items is YamlSequenceNode sequence)
        {
            foreach (var item in sequence.Children)
            {
                if (Search(item, line, column, depth + 1) is { } found)
                {
                    return found;
                }
            }
        }

        return null;
    }
}
