using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using PodTools.Engine.Connection;

namespace PodTools;

/// <summary>
/// State that belongs to one runspace: the connection cache and the session's current context
/// (Use-KContext). Runspaces (ForEach-Object -Parallel, jobs) each get their own.
/// </summary>
internal static class RunspaceState
{
    private static readonly ConditionalWeakTable<Runspace, ConnectionCache> s_caches = new();

    /// <summary>The calling runspace's connection cache (call on a pipeline thread, where DefaultRunspace is set).</summary>
    public static ConnectionCache Connections =>
        Runspace.DefaultRunspace is { } runspace
            ? s_caches.GetValue(runspace, _ => new ConnectionCache())
            : new ConnectionCache();

    /// <summary>Drops the calling runspace's clients (Remove-Module).</summary>
    public static void Release()
    {
        if (Runspace.DefaultRunspace is { } runspace && s_caches.TryGetValue(runspace, out var cache))
        {
            s_caches.Remove(runspace);
            cache.Dispose();
        }
    }
}
