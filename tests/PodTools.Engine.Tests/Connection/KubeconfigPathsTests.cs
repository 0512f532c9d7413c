using PodTools.Engine.Connection;

namespace PodTools.Engine.Tests.Connection;

public sealed class KubeconfigPathsTests
{
    [Fact]
    public void ExplicitPathWinsOverKubeconfigVariable()
    {
        var paths = KubeconfigPaths.Resolve("/tmp/explicit", "/tmp/a" + Path.PathSeparator + "/tmp/b", "/home/x");
        Assert.Equal([Path.GetFullPath("/tmp/explicit")], paths);
    }

    [Fact]
    public void KubeconfigVariableIsSplitOnThePathSeparatorInOrderWithoutEmptiesOrDuplicates()
    {
        string value = string.Join(Path.PathSeparator, "/tmp/a", "", "/tmp/b", "/tmp/a");
        var paths = KubeconfigPaths.Resolve(null, value, "/home/x");
        Assert.Equal([Path.GetFullPath("/tmp/a"), Path.GetFullPath("/tmp/b")], paths);
    }

    [Fact]
    public void FallsBackToKubeConfigInTheHomeDirectory()
    {
        var paths = KubeconfigPaths.Resolve(null, "", "/home/x");
        Assert.Equal([Path.Combine("/home/x", ".kube", "config")], paths);
    }
}
