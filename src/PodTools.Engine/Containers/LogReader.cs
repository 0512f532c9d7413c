using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;

namespace PodTools.Engine.Containers;

/// <summary>
/// Reads container logs as one <see cref="KPodLogLine"/> per line. Timestamps are always asked for and split off,
/// so every record carries one; <see cref="MergeAsync"/> interleaves several followed logs as lines arrive.
/// </summary>
public sealed class LogReader(KubeConnection connection)
{
    /// <summary>
    /// The logs to read for one pod: every container (and init containers that have run) with
    /// <paramref name="allContainers"/>, else the one <see cref="ContainerSelection"/> picks. Each request is
    /// <paramref name="options"/> aimed at the pod and container. Throws PodNotFound, ContainerNotFound, ContainerNameRequired.
    /// </summary>
    public async Task<IReadOnlyList<LogRequest>> PlanAsync(string @namespace, string pod, string? container, bool allContainers,
        LogRequest options, CancellationToken cancellationToken)
    {
        var read = await new Pods.PodService(connection).GetAsync(@namespace, pod, cancellationToken).ConfigureAwait(false);
        var containers = allContainers
            ? read.Containers.Select(c => c.Name).Concat(read.InitContainers.Where(c => c.State != "Unknown").Select(c => c.Name))
            : [ContainerSelection.Resolve(read.Object, container)];
        return containers.Select(c => options with { Namespace = @namespace, Pod = pod, Container = c }).ToList();
    }

    /// <summary>The lines of one log, as the server streams them.</summary>
    public async IAsyncEnumerable<KPodLogLine> ReadAsync(LogRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var scope = connection.Scope.For("pod", request.Pod, request.Namespace);
        EngineHostScope.Current.WriteDebug(
            $"GET log of container '{request.Container}' of pod '{request.Pod}' in namespace '{request.Namespace}'" +
            $" (follow={request.Follow}, previous={request.Previous}) on {connection.Server}");
        Stream stream;
        try
        {
            var response = await connection.Client.CoreV1.ReadNamespacedPodLogWithHttpMessagesAsync(request.Pod, request.Namespace,
                container: request.Container, follow: request.Follow, limitBytes: request.LimitBytes, previous: request.Previous,
                sinceSeconds: request.SinceSeconds, tailLines: request.TailLines, timestamps: true,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            stream = response.Body;
        }
        catch (Exception error) when (KubeErrorTranslator.Translate(error, scope, cancellationToken) is { } translated)
        {
            throw translated;
        }

        using var reader = new StreamReader(stream);
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                throw KubeErrorTranslator.Translate(error, scope, cancellationToken)
                      ?? new KubeEngineException("LogStreamBroken", KubeErrorCategory.ConnectionError, error.Message, request.Pod, error);
            }

            if (line is null)
            {
                yield break;
            }

            var (timestamp, text) = SplitTimestamp(line);
            yield return new KPodLogLine
            {
                Pod = request.Pod,
                Namespace = request.Namespace,
                Container = request.Container,
                Timestamp = timestamp,
                Line = text,
            };
        }
    }

    /// <summary>
    /// Reads every log at once and yields lines in the order they arrive. A log that fails is reported through
    /// <paramref name="onError"/> and the others go on; the merge ends when all logs end or the token is cancelled.
    /// </summary>
    public async IAsyncEnumerable<KPodLogLine> MergeAsync(IReadOnlyList<LogRequest> requests, Action<KubeEngineException> onError,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Bounded: a slow pipeline slows the readers down (and so the server's streams) instead of buffering.
        var lines = Channel.CreateBounded<KPodLogLine>(new BoundedChannelOptions(256) { SingleReader = true });
        var readers = requests.Select(request => Task.Run(async () =>
        {
            try
            {
                await foreach (var line in ReadAsync(request, cancellationToken).ConfigureAwait(false))
                {
                    await lines.Writer.WriteAsync(line, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (KubeEngineException error)
            {
                onError(error);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped by the caller.
            }
        }, CancellationToken.None)).ToList();
        _ = Task.WhenAll(readers).ContinueWith(_ => lines.Writer.TryComplete(), TaskScheduler.Default);

        await foreach (var line in lines.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return line;
        }
    }

    /// <summary>Splits the kubelet's RFC 3339 timestamp (nanosecond precision) off a line.</summary>
    public static (DateTime? Timestamp, string Text) SplitTimestamp(string line)
    {
        int space = line.IndexOf(' ');
        if (space < 20 || line[4] != '-' || line[10] != 'T')
        {
            return (null, line);
        }

        string stamp = line[..space];
        // .NET parses at most 7 fractional digits; the kubelet writes 9.
        int dot = stamp.IndexOf('.');
        if (dot > 0)
        {
            int end = dot + 1;
            while (end < stamp.Length && char.IsAsciiDigit(stamp[end]))
            {
                end++;
            }

            if (end - dot - 1 > 7)
            {
                stamp = stamp[..(dot + 8)] + stamp[end..];
            }
        }

        return DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? (parsed.UtcDateTime, line[(space + 1)..])
            : (null, line);
    }
}
