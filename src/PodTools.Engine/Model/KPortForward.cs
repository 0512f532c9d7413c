using System.Net;

namespace PodTools.Engine.Model;

/// <summary>
/// A running port-forward from a local TCP port to a port of a pod; each accepted local connection is carried
/// by its own port-forward stream. Stop it with <see cref="StopAsync"/>.
/// </summary>
public sealed class KPortForward
{
    private readonly Func<Task> _stop;
    private int _connections;
    private int _active;
    private volatile string? _lastError;
    private volatile bool _running = true;

    internal KPortForward(string pod, string @namespace, IPAddress address, int localPort, int remotePort, Func<Task> stop)
    {
        Pod = pod;
        Namespace = @namespace;
        Address = address.ToString();
        LocalPort = localPort;
        RemotePort = remotePort;
        _stop = stop;
    }

    public string Pod { get; }

    public string Namespace { get; }

    /// <summary>The local address the listener is bound to.</summary>
    public string Address { get; }

    public int LocalPort { get; }

    public int RemotePort { get; }

    /// <summary>Local connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Connections being forwarded right now.</summary>
    public int ActiveConnections => Volatile.Read(ref _active);

    /// <summary>True until the forward is stopped.</summary>
    public bool IsRunning => _running;

    /// <summary>The last failure of a forwarded connection (the server's or the socket's message), if any.</summary>
    public string? LastError => _lastError;

    /// <summary>Closes the listener and every forwarded connection.</summary>
    public Task StopAsync()
    {
        _running = false;
        return _stop();
    }

    public override string ToString() => $"{Address}:{LocalPort} -> {Namespace}/{Pod}:{RemotePort}";

    internal void ConnectionOpened()
    {
        Interlocked.Increment(ref _connections);
        Interlocked.Increment(ref _active);
    }

    internal void ConnectionClosed() => Interlocked.Decrement(ref _active);

    internal void Failed(string message) => _lastError = message;

    internal void Ended() => _running = false;
}
