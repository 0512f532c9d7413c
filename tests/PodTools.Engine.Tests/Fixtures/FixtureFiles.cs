namespace PodTools.Engine.Tests.Fixtures;

/// <summary>Finds test fixtures in the source tree, so they need no copy step in the test project.</summary>
internal static class FixtureFiles
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static string PathOf(string relativePath) => Path.Combine(Root.Value, relativePath);

    public static string ReadText(string relativePath) => File.ReadAllText(PathOf(relativePath));

    // Walks up from the test output folder to the project's Fixtures folder (bin/<Config>/<tfm>/ -> project).
    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[]
            {
                Path.Combine(dir.FullName, "Fixtures"),
                Path.Combine(dir.FullName, "tests", "PodTools.Engine.Tests", "Fixtures"),
            })
            {
                if (Directory.Exists(Path.Combine(candidate, "pods")))
                {
                    return candidate;
                }
            }
        }
        throw new DirectoryNotFoundException("The Fixtures folder of PodTools.Engine.Tests was not found above " + AppContext.BaseDirectory);
    }
}
