using PodTools.Engine.Model;

namespace PodTools.Engine.Connection;

/// <summary>
/// Connections keyed by (kubeconfig files, context), rebuilt when any of the files changes (last-write time or
/// length). The cmdlet layer keeps one cache per runspace; it also remembers the session's current context
/// (Use-KContext without -Persist) per set of kubeconfig files.
/// </summary>
public sealed class ConnectionCache : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, (FileStamp[] Stamps, KubeconfigSet Set)> _kubeconfigs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (FileStamp[] Stamps, Task<KubeConnection> Connection)> _connections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _sessionContexts = new(StringComparer.Ordinal);
    private readonly Func<string?, IReadOnlyList<string>> _resolvePaths;

    /// <param name="resolvePaths">Maps an explicit -Kubeconfig (or null) to the files to read; defaults to kubectl's rules on this process's environment.</param>
    public ConnectionCache(Func<string?, IReadOnlyList<string>>? resolvePaths = null) =>
        _resolvePaths = resolvePaths ?? KubeconfigPaths.ResolveFromEnvironment;

    /// <summary>How many clients were built so far (for tests of the cache).</summary>
    public int BuildCount { get; private set; }

    /// <summary>The merged kubeconfig for an explicit path (or the environment's), re-read when a file changed.</summary>
    public KubeconfigSet GetKubeconfig(string? explicitPath)
    {
        var paths = _resolvePaths(explicitPath);
        if (!string.IsNullOrWhiteSpace(explicitPath) && !File.Exists(paths[0]))
        {
            // Same error as an uncached load.
            return KubeconfigSet.LoadFromEnvironment(paths[0]);
        }

        string key = Key(paths);
        var stamps = FileStamp.Of(paths);
        lock (_gate)
        {
            if (_kubeconfigs.TryGetValue(key, out var cached) && cached.Stamps.SequenceEqual(stamps))
            {
                return cached.Set;
            }
        }

        var set = KubeconfigSet.Load(paths);
        lock (_gate)
        {
            _kubeconfigs[key] = (stamps, set);
        }

        return set;
    }

    /// <summary>The context to use when none is named: the session's (Use-KContext), else the files' current-context.</summary>
    public string? GetCurrentContext(KubeconfigSet kubeconfig)
    {
        lock (_gate)
        {
            return _sessionContexts.TryGetValue(Key(kubeconfig.Paths), out string? name) ? name : kubeconfig.CurrentContext;
        }
    }

    /// <summary>Makes <paramref name="contextName"/> current for this cache's session (validated against the files).</summary>
    public void SetSessionContext(KubeconfigSet kubeconfig, string contextName)
    {
        kubeconfig.ResolveContext(contextName);
        lock (_gate)
        {
            _sessionContexts[Key(kubeconfig.Paths)] = contextName;
        }
    }

    /// <summary>Contexts of the kubeconfig with IsCurrent reflecting the session's current context.</summary>
    public IReadOnlyList<KContext> GetContexts(string? explicitPath)
    {
        var set = GetKubeconfig(explicitPath);
        return set.GetContexts(GetCurrentContext(set));
    }

    /// <summary>
    /// Returns the cached connection for (kubeconfig, context), building it when missing or when a kubeconfig
    /// file changed since it was built. Throws <see cref="Errors.KubeEngineException"/> for an unusable kubeconfig or context.
    /// </summary>
    public async Task<KubeConnection> GetConnectionAsync(string? explicitPath, string? contextName, CancellationToken cancellationToken)
    {
        var set = GetKubeconfig(explicitPath);
        var context = set.ResolveContext(string.IsNullOrEmpty(contextName) ? GetCurrentContext(set) : contextName);
        string key = Key(set.Paths) + "\n" + context.Name;
        var stamps = FileStamp.Of(set.Paths);
        Task<KubeConnection> pending;
        lock (_gate)
        {
            if (_connections.TryGetValue(key, out var cached) && cached.Stamps.SequenceEqual(stamps) && !cached.Connection.IsFaulted
                && !cached.Connection.IsCanceled)
            {
                pending = cached.Connection;
            }
            else
            {
                // A replaced connection is not disposed: a pipeline that already holds it may still be using it.
                // Built without the caller's token: the task is shared, and one caller giving up (a completer's
                // short timeout, Ctrl+C) must not cancel it for the others. Each caller still stops waiting on its own token.
                pending = KubeConnection.CreateAsync(set, context, CancellationToken.None);
                _connections[key] = (stamps, pending);
                BuildCount++;
            }
        }

        return await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var (_, connection) in _connections.Values)
            {
                if (connection.IsCompletedSuccessfully)
                {
                    connection.Result.Dispose();
                }
            }

            _connections.Clear();
            _kubeconfigs.Clear();
        }
    }

    private static string Key(IReadOnlyList<string> paths) => string.Join(Path.PathSeparator, paths);

    private readonly record struct FileStamp(bool Exists, long LastWriteTicks, long Length)
    {
        public static FileStamp[] Of(IReadOnlyList<string> paths) => paths.Select(path =>
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileStamp(true, info.LastWriteTimeUtc.Ticks, info.Length) : new FileStamp(false, 0, 0);
        }).ToArray();
    }
}
