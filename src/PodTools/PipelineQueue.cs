using System.Collections.Concurrent;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;

namespace PodTools;

/// <summary>
/// What async engine work hands back to the pipeline thread: objects, errors and host messages, in order.
/// Work threads only enqueue; <see cref="KubeconfigCmdlet"/> drains it on the pipeline thread, the only place
/// where WriteObject/WriteError may be called.
/// </summary>
internal sealed class PipelineQueue : IEngineHost
{
    internal enum Kind { Object, Objects, Error, Warning, Verbose, Debug }

    // Bounded so a fast producer waits for the pipeline (a page or two ahead at most): memory stays flat on
    // long lists and a stopped pipeline (Select-Object -First) stops the requests too.
    private const int Capacity = 2;
    private readonly BlockingCollection<(Kind Kind, object Item)> _items = new(Capacity);
    private readonly CancellationToken _cancellation;

    public PipelineQueue(CancellationToken cancellation) => _cancellation = cancellation;

    public void WriteObject(object item) => Add(Kind.Object, item);

    /// <summary>Writes each element of <paramref name="items"/> as its own pipeline object.</summary>
    public void WriteObjects(System.Collections.IEnumerable items) => Add(Kind.Objects, items);

    /// <summary>A non-terminating error for one item; the rest of the work goes on.</summary>
    public void WriteError(KubeEngineException error) => Add(Kind.Error, error);

    public void WriteWarning(string message) => Add(Kind.Warning, message);

    public void WriteVerbose(string message) => Add(Kind.Verbose, message);

    public void WriteDebug(string message) => Add(Kind.Debug, message);

    private void Add(Kind kind, object item) => _items.Add((kind, item), _cancellation);

    internal void Complete() => _items.CompleteAdding();

    internal IEnumerable<(Kind Kind, object Item)> Drain(CancellationToken cancellationToken) =>
        _items.GetConsumingEnumerable(cancellationToken);
}
