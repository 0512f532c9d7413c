using System.Text;
using System.Text.RegularExpressions;
using PodTools.Engine.Errors;

namespace PodTools.Engine.Connection;

/// <summary>
/// Changes current-context in a kubeconfig file by editing that one line, so exec blocks, extensions, comments
/// and every other byte stay exactly as they were (a re-serialization would drop what the model does not know).
/// </summary>
public static partial class KubeconfigEditor
{
    [GeneratedRegex(@"^current-context:[^\r\n]*", RegexOptions.Multiline)]
    private static partial Regex YamlLine();

    [GeneratedRegex(@"""current-context""\s*:\s*(""(?:[^""\\]|\\.)*""|null)")]
    private static partial Regex JsonMember();

    /// <summary>Writes <paramref name="contextName"/> as current-context of <paramref name="path"/>.</summary>
    public static void SetCurrentContext(string path, string contextName)
    {
        byte[] bytes;
        try
        {
            bytes = File.Exists(path) ? File.ReadAllBytes(path) : [];
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new KubeEngineException("KubeconfigWriteFailed", KubeErrorCategory.PermissionDenied,
                $"Cannot read the kubeconfig file '{path}': {error.Message}", path, error);
        }

        bool bom = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF;
        string text = Encoding.UTF8.GetString(bytes, bom ? 3 : 0, bytes.Length - (bom ? 3 : 0));
        string updated = SetCurrentContextInText(text, contextName);
        try
        {
            // Written in place so the file keeps its owner and permissions (kubeconfigs are usually 0600).
            File.WriteAllText(path, updated, new UTF8Encoding(bom));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new KubeEngineException("KubeconfigWriteFailed", KubeErrorCategory.PermissionDenied,
                $"Cannot write the kubeconfig file '{path}': {error.Message}", path, error);
        }
    }

    /// <summary>The text with current-context replaced (or added when missing).</summary>
    public static string SetCurrentContextInText(string text, string contextName)
    {
        if (text.TrimStart().StartsWith('{'))
        {
            string json = System.Text.Json.JsonSerializer.Serialize(contextName);
            var member = JsonMember();
            if (member.IsMatch(text))
            {
                // A context name may hold '$', which Regex.Replace would read as a substitution.
                return member.Replace(text, _ => $"\"current-context\": {json}", 1);
            }

            int brace = text.IndexOf('{');
            return text[..(brace + 1)] + $"\"current-context\": {json}," + text[(brace + 1)..];
        }

        string line = "current-context: " + YamlScalar(contextName);
        var existing = YamlLine();
        if (existing.IsMatch(text))
        {
            return existing.Replace(text, line.Replace("$", "$$"), 1);
        }

        string newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        return text.Length == 0 || text.EndsWith('\n') ? text + line + newline : text + newline + line + newline;
    }

    // Context names are usually plain; quote anything YAML could read as something else.
    private static string YamlScalar(string value)
    {
        bool plain = value.Length > 0
            && Regex.IsMatch(value, @"^[A-Za-z0-9_./@-][A-Za-z0-9_./@:+-]*$")
            && !value.Contains(": ", StringComparison.Ordinal)
            && !value.EndsWith(':')
            && !Regex.IsMatch(value, @"^(true|false|yes|no|on|off|null|~|[-+]?[0-9.]+(e[-+]?[0-9]+)?)$", RegexOptions.IgnoreCase);
        return plain ? value : "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }
}
