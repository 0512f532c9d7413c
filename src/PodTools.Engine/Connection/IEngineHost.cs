namespace PodTools.Engine.Connection;

/// <summary>
/// The engine's only way to talk to the user. The cmdlet layer implements it on top of its output queue,
/// so the engine never touches PowerShell (and xunit can pass a recording host).
/// </summary>
public interface IEngineHost
{
    void WriteWarning(string message);

    void WriteVerbose(string message);

    void WriteDebug(string message);
}

/// <summary>A host that drops everything.</summary>
public sealed class NullEngineHost : IEngineHost
{
    public static readonly NullEngineHost Instance = new();

    public void WriteWarning(string message) { }

    public void WriteVerbose(string message) { }

    public void WriteDebug(string message) { }
}

/// <summary>
/// The host of the cmdlet invocation the current async flow belongs to. Cached connections outlive a single
/// cmdlet, so work that runs inside them (exec credential plugins) looks the host up here instead of holding one.
/// </summary>
public static class EngineHostScope
{
    private static readonly AsyncLocal<IEngineHost?> s_current = new();

    public static IEngineHost Current => s_current.Value ?? NullEngineHost.Instance;

    /// <summary>Makes <paramref name="host"/> current for this async flow until the returned scope is disposed.</summary>
    public static IDisposable Enter(IEngineHost host)
    {
        IEngineHost? previous = s_current.Value;
        s_current.Value = host;
        return new Restore(previous);
    }

    private sealed class Restore(IEngineHost? previous) : IDisposable
    {
        public void Dispose() => s_current.Value = previous;
    }
}
