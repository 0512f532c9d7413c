using System.Runtime.CompilerServices;

namespace PodTools.TestCluster.ControlPlane;

/// <summary>One line a container wrote, as the kubelet stores it (CRI log format: time, stream, text).</summary>
public readonly record struct LogLine(DateTime Timestamp, string Stream, string Text);

/// <summary>
/// A container's log: the lines of the current instance and of the previous one (what `logs --previous`
/// shows), bounded like kubelet's log rotation. Readers can follow the current instance as it grows.
/// </summary>
public sealed class ContainerLog
{
    public const int MaxLinesPerInstance = 20_000;

    private readonly object _gate = new();
    private List<LogLine> _current = [];
    private List<LogLine>? _previous;
    private TaskCompletionSource _changed = NewSignal();
    private bool _instanceEnded;

    public IReadOnlyList<LogLine> Current()
    {
        lock (_gate) return _current.ToArray();
    }

    /// <summary>The previous instance's lines, or null when the container has not restarted.</summary>
    public IReadOnlyList<LogLine>? Previous()
    {
        lock (_gate) return _previous?.ToArray();
    }

    public void Append(string stream, string text, DateTime timestamp)
    {
        lock (_gate)
        {
            if (_current.Count >= MaxLinesPerInstance) _current.RemoveRange(0, _current.Count - MaxLinesPerInstance + 1);
            _current.Add(new LogLine(timestamp, stream, text));
            Signal();
        }
    }

    /// <summary>A new container instance starts: the current lines become the previous instance's.</summary>
    public void StartNewInstance()
    {
        lock (_gate)
        {
            if (_current.Count > 0 || _instanceEnded) _previous = _current;
            _current = [];
            _instanceEnded = false;
            Signal();
        }
    }

    /// <summary>The current instance exited: followers stop after its last line.</summary>
    public void EndInstance()
    {
        lock (_gate)
        {
            _instanceEnded = true;
            Signal();
        }
    }

    /// <summary>The current instance's lines, then new ones as they come, until it exits or the token is cancelled.</summary>
    public async IAsyncEnumerable<LogLine> FollowAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var position = 0;
        List<LogLine> instance;
        lock (_gate) instance = _current;
        while (!cancellationToken.IsCancellationRequested)
        {
            LogLine[] batch;
            bool ended;
            Task changed;
            lock (_gate)
            {
                // A restart replaced the instance being followed: that instance has ended.
                ended = !ReferenceEquals(instance, _current) || _instanceEnded;
                batch = instance.Skip(position).ToArray();
                position += batch.Length;
                changed = _changed.Task;
            }
            foreach (var line in batch) yield return line;
            if (ended) yield break;
            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Signal()
    {
        var previous = _changed;
        _changed = NewSignal();
        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
