namespace PodTools.Engine.Tests.Connection;

/// <summary>A temporary directory of kubeconfig files, removed afterwards.</summary>
internal sealed class KubeconfigTestFiles : IDisposable
{
    public KubeconfigTestFiles()
    {
        Directory = Path.Combine(Path.GetTempPath(), "podtools-kubeconfig-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string Write(string relativePath, string content)
    {
        string path = Path.Combine(Directory, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>A kubeconfig with one cluster, user and context per name.</summary>
    public static string Config(string? currentContext, params (string Context, string Cluster, string User, string? Namespace, string Server)[] entries)
    {
        var text = new System.Text.StringBuilder("apiVersion: v1\nkind: Config\n");
        if (currentContext is not null)
        {
            text.Append($"current-context: {currentContext}\n");
        }

        text.Append("clusters:\n");
        foreach (var e in entries.DistinctBy(e => e.Cluster))
        {
            text.Append($"- name: {e.Cluster}\n  cluster:\n    server: {e.Server}\n    insecure-skip-tls-verify: true\n");
        }

        text.Append("users:\n");
        foreach (var e in entries.DistinctBy(e => e.User))
        {
            text.Append($"- name: {e.User}\n  user:\n    token: token-of-{e.User}\n");
        }

        text.Append("contexts:\n");
        foreach (var e in entries)
        {
            text.Append($"- name: {e.Context}\n  context:\n    cluster: {e.Cluster}\n    user: {e.User}\n");
            if (e.Namespace is not null)
            {
                text.Append($"    namespace: {e.Namespace}\n");
            }
        }

        return text.ToString();
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
