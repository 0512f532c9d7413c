namespace PodTools.Engine.Connection;

/// <summary>Finds the kubeconfig files to read, in kubectl's order of precedence.</summary>
public static class KubeconfigPaths
{
    /// <summary>
    /// An explicit path wins; otherwise the KUBECONFIG value split on the OS path separator (empty entries
    /// dropped, duplicates removed, order kept); otherwise ~/.kube/config.
    /// </summary>
    public static IReadOnlyList<string> Resolve(string? explicitPath, string? kubeconfigVariable, string? homeDirectory)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return [Path.GetFullPath(explicitPath)];
        }

        if (!string.IsNullOrWhiteSpace(kubeconfigVariable))
        {
            var paths = kubeconfigVariable
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(Path.GetFullPath)
                .Distinct(PathComparer)
                .ToList();
            if (paths.Count > 0)
            {
                return paths;
            }
        }

        string home = string.IsNullOrEmpty(homeDirectory)
            ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)
            : homeDirectory;
        return [Path.Combine(home, ".kube", "config")];
    }

    /// <summary>Resolves from this process's environment.</summary>
    public static IReadOnlyList<string> ResolveFromEnvironment(string? explicitPath) =>
        Resolve(explicitPath, Environment.GetEnvironmentVariable("KUBECONFIG"),
            Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    public static StringComparer PathComparer { get; } =
        OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
}
