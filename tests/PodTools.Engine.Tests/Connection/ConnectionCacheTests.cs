using PodTools.Engine.Connection;

namespace PodTools.Engine.Tests.Connection;

public sealed class ConnectionCacheTests : IDisposable
{
    private readonly KubeconfigTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private ConnectionCache CacheFor(string path) => new(explicitPath => [explicitPath ?? path]);

    [Fact]
    public async Task SameKubeconfigAndContextReuseTheClient()
    {
        string path = _files.Write("config", KubeconfigTestFiles.Config("a", ("a", "c", "u", null, "https://127.0.0.1:1")));
        using var cache = CacheFor(path);

        var first = await cache.GetConnectionAsync(null, null, default);
        var second = await cache.GetConnectionAsync(null, "a", default);

        Assert.Same(first, second);
        Assert.Equal(1, cache.BuildCount);
    }

    [Fact]
    public async Task EachContextGetsItsOwnClient()
    {
        string path = _files.Write("config", KubeconfigTestFiles.Config("a",
            ("a", "c", "u", null, "https://127.0.0.1:1"), ("b", "c", "u", "ns-b", "https://127.0.0.1:1")));
        using var cache = CacheFor(path);

        var a = await cache.GetConnectionAsync(null, null, default);
        var b = await cache.GetConnectionAsync(null, "b", default);

        Assert.NotSame(a, b);
        Assert.Equal("ns-b", b.DefaultNamespace);
    }

    [Fact]
    public async Task ChangingTheKubeconfigFileRebuildsTheClient()
    {
        string path = _files.Write("config", KubeconfigTestFiles.Config("a", ("a", "c", "u", "before", "https://127.0.0.1:1")));
        using var cache = CacheFor(path);
        var before = await cache.GetConnectionAsync(null, null, default);

        File.WriteAllText(path, KubeconfigTestFiles.Config("a", ("a", "c", "u", "after-the-edit", "https://127.0.0.1:2")));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        var after = await cache.GetConnectionAsync(null, null, default);

        Assert.NotSame(before, after);
        Assert.Equal("after-the-edit", after.DefaultNamespace);
        Assert.Equal(2, cache.BuildCount);
    }

    [Fact]
    public async Task SessionContextReplacesTheFilesCurrentContextWithoutTouchingTheFile()
    {
        string text = KubeconfigTestFiles.Config("a", ("a", "c", "u", null, "https://127.0.0.1:1"), ("b", "c", "u", null, "https://127.0.0.1:1"));
        string path = _files.Write("config", text);
        using var cache = CacheFor(path);

        cache.SetSessionContext(cache.GetKubeconfig(null), "b");
        var connection = await cache.GetConnectionAsync(null, null, default);

        Assert.Equal("b", connection.ContextName);
        Assert.True(cache.GetContexts(null).Single(c => c.Name == "b").IsCurrent);
        Assert.Equal(text, File.ReadAllText(path));
    }
}
