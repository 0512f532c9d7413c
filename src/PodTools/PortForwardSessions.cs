using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using PodTools.Engine.Model;

namespace PodTools;

/// <summary>
/// The port-forwards Start-KPodPortForward left running in this runspace, for Stop-KPodPortForward (and for the
/// module's removal, which stops them all).
/// </summary>
internal static class PortForwardSessions
{
    private static readonly ConditionalWeakTable<Runspace, List<KPortForward>> s_sessions = new();

    public static void Add(KPortForward session)
    {
        var list = Current();
        lock (list)
        {
            list.Add(session);
        }
    }

    /// <summary>The sessions still recorded for this runspace (stopped ones are dropped on the way).</summary>
    public static IReadOnlyList<KPortForward> List()
    {
        var list = Current();
        lock (list)
        {
            list.RemoveAll(s => !s.IsRunning);
            return list.ToList();
        }
    }

    public static void Remove(KPortForward session)
    {
        var list = Current();
        lock (list)
        {
            list.Remove(session);
        }
    }

    /// <summary>Stops every session of this runspace (Remove-Module).</summary>
    public static void StopAll()
    {
        foreach (var session in List())
        {
            session.StopAsync().Wait(TimeSpan.FromSeconds(5));
            Remove(session);
        }
    }

    private static List<KPortForward> Current() =>
        Runspace.DefaultRunspace is { } runspace ? s_sessions.GetValue(runspace, _ => []) : [];
}
