using System.Runtime.CompilerServices;
using k8s;
using k8s.Autorest;
using k8s.Models;
using PodTools.Engine.Bulk;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;

namespace PodTools.Engine.Pods.Watch;

/// <summary>What to watch: one namespace or all, optional label and field selectors.</summary>
public sealed record PodWatchRequest
{
    /// <summary>Null watches every namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>Label selector text (kubectl grammar); validated before any request.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>Field selector, e.g. <c>metadata.name=web-1</c> or <c>spec.nodeName=worker001</c>.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>Report the pods that exist when the watch starts as Added events (IsInitial), like <c>kubectl get -w</c>.</summary>
    public bool IncludeExisting { get; init; } = true;

    /// <summary>
    /// How long one watch request lasts on the server (timeoutSeconds) before the service opens the next one from
    /// the last resourceVersion. Long-lived watches are cut by servers and proxies anyway; ending them on purpose
    /// keeps the reconnect path exercised and the connection fresh.
    /// </summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>limit per list request (the initial list and the re-list after 410 Gone).</summary>
    public int PageSize { get; init; } = PodService.DefaultPageSize;
}

/// <summary>The pods a list returned and the resourceVersion to watch from.</summary>
public sealed record PodSnapshot(IReadOnlyList<KPod> Pods, string ResourceVersion);

/// <summary>
/// A pod watch that does not end on its own: it lists, then watches from the list's resourceVersion, opens the
/// next watch when the server ends one (timeout, expiry), re-lists and reports the difference as events when the
/// resourceVersion is too old (410 Gone), and retries transient failures with backoff. Ends when the token is
/// cancelled or on a final error (Forbidden, NotFound, ... as <see cref="KubeEngineException"/>).
/// </summary>
public sealed class PodWatchService(KubeConnection connection)
{
    /// <summary>Consecutive transient failures (reset by any event) before the watch gives up.</summary>
    public const int MaxConsecutiveFailures = 8;

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>Lists the pods <paramref name="request"/> selects, with the resourceVersion of the list.</summary>
    public async Task<PodSnapshot> ListAsync(PodWatchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? labelSelector = PodService.NormalizeSelector(request.LabelSelector);
        string? fieldSelector = string.IsNullOrWhiteSpace(request.FieldSelector) ? null : request.FieldSelector;
        var scope = connection.Scope.For("namespace", request.Namespace, request.Namespace);
        var pods = new List<KPod>();
        string? resourceVersion = null;
        string? continueToken = null;
        do
        {
            V1PodList page;
            try
            {
                page = request.Namespace is null
                    ? await connection.Client.CoreV1.ListPodForAllNamespacesAsync(continueParameter: continueToken,
                        fieldSelector: fieldSelector, labelSelector: labelSelector, limit: Math.Max(1, request.PageSize),
                        cancellationToken: cancellationToken).ConfigureAwait(false)
                    : await connection.Client.CoreV1.ListNamespacedPodAsync(request.Namespace, continueParameter: continueToken,
                        fieldSelector: fieldSelector, labelSelector: labelSelector, limit: Math.Max(1, request.PageSize),
                        cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (KubeErrorTranslator.Translate(error, scope, cancellationToken) is { } translated)
            {
                throw translated;
            }

            // Every page of a continued list is served from the first page's snapshot, so its version is the list's.
            resourceVersion ??= page.Metadata?.ResourceVersion;
            foreach (var pod in page.Items ?? [])
            {
                pod.ApiVersion ??= "v1";
                pod.Kind ??= "Pod";
                pods.Add(KPod.From(pod));
            }

            continueToken = string.IsNullOrEmpty(page.Metadata?.ContinueProperty) ? null : page.Metadata.ContinueProperty;
        }
        while (continueToken is not null);

        return new PodSnapshot(pods, resourceVersion ?? "0");
    }

    /// <summary>
    /// Streams pod changes until <paramref name="cancellationToken"/> is cancelled. Without <paramref name="from"/>
    /// it lists first (reporting the pods as initial Added events when <see cref="PodWatchRequest.IncludeExisting"/>);
    /// with it, it watches from that snapshot and reports only later changes.
    /// </summary>
    public async IAsyncEnumerable<KPodEvent> WatchAsync(PodWatchRequest request, PodSnapshot? from = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? labelSelector = PodService.NormalizeSelector(request.LabelSelector);
        string? fieldSelector = string.IsNullOrWhiteSpace(request.FieldSelector) ? null : request.FieldSelector;
        var scope = connection.Scope.For("namespace", request.Namespace, request.Namespace);

        var snapshot = from ?? await ListAsync(request, cancellationToken).ConfigureAwait(false);
        var known = new Dictionary<(string Namespace, string Name), KPod>();
        foreach (var pod in snapshot.Pods)
        {
            known[(pod.Namespace, pod.Name)] = pod;
            if (from is null && request.IncludeExisting)
            {
                yield return new KPodEvent(KPodEventType.Added, pod, DateTime.UtcNow, isInitial: true);
            }
        }

        string resourceVersion = snapshot.ResourceVersion;
        int failures = 0;
        bool relist = false;
        int timeoutSeconds = (int)Math.Clamp(request.WatchTimeout.TotalSeconds, 1, int.MaxValue);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (relist)
            {
                var (fresh, listError) = await TryAsync(() => ListAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
                if (listError is not null)
                {
                    failures = await BackOffOrThrowAsync(listError, failures, scope, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                relist = false;
                resourceVersion = fresh!.ResourceVersion;
                foreach (var change in Difference(known, fresh.Pods))
                {
                    yield return change;
                }

                continue;
            }

            Exception? streamError = null;
            var started = DateTime.UtcNow;
            int events = 0;
            // ERROR events (410 Gone above all) arrive through onError; the server ends the stream after one.
            Action<Exception> onError = error => streamError ??= error;
            var stream = (request.Namespace is null
                    ? connection.Client.CoreV1.WatchListPodForAllNamespacesAsync(allowWatchBookmarks: true,
                        fieldSelector: fieldSelector, labelSelector: labelSelector, resourceVersion: resourceVersion,
                        timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken)
                    : connection.Client.CoreV1.WatchListNamespacedPodAsync(request.Namespace, allowWatchBookmarks: true,
                        fieldSelector: fieldSelector, labelSelector: labelSelector, resourceVersion: resourceVersion,
                        timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken))
                .GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    var (hasEvent, moveError) = await TryAsync(() => stream.MoveNextAsync().AsTask(), cancellationToken).ConfigureAwait(false);
                    if (moveError is not null)
                    {
                        streamError = moveError;
                        break;
                    }

                    if (!hasEvent)
                    {
                        break;
                    }

                    var (type, pod) = stream.Current;
                    if (pod?.Metadata?.ResourceVersion is { Length: > 0 } version)
                    {
                        resourceVersion = version;
                    }

                    if (pod is null || type is WatchEventType.Bookmark or WatchEventType.Error)
                    {
                        continue;
                    }

                    events++;
                    failures = 0;
                    pod.ApiVersion ??= "v1";
                    pod.Kind ??= "Pod";
                    var current = KPod.From(pod);
                    var key = (current.Namespace, current.Name);
                    if (type == WatchEventType.Deleted)
                    {
                        known.Remove(key);
                        yield return new KPodEvent(KPodEventType.Deleted, current, DateTime.UtcNow);
                    }
                    else
                    {
                        known[key] = current;
                        yield return new KPodEvent(type == WatchEventType.Added ? KPodEventType.Added : KPodEventType.Modified,
                            current, DateTime.UtcNow);
                    }
                }
            }
            finally
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (streamError is not null)
            {
                if (IsGone(streamError))
                {
                    // Our resourceVersion was compacted away: the events in between are lost, so re-list and diff.
                    EngineHostScope.Current.WriteVerbose($"The watch's resourceVersion {resourceVersion} expired (410 Gone); listing again.");
                    relist = true;
                    continue;
                }

                failures = await BackOffOrThrowAsync(streamError, failures, scope, cancellationToken).ConfigureAwait(false);
                continue;
            }

            // A normal end (timeoutSeconds or a server-side cut). One that came back at once without news is paced,
            // so a server that closes every watch immediately does not turn this into a busy loop.
            if (events == 0 && DateTime.UtcNow - started < TimeSpan.FromMilliseconds(500))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The events that turn <paramref name="known"/> into <paramref name="fresh"/>; updates <paramref name="known"/>.</summary>
    internal static IReadOnlyList<KPodEvent> Difference(Dictionary<(string Namespace, string Name), KPod> known, IReadOnlyList<KPod> fresh)
    {
        var now = DateTime.UtcNow;
        var changes = new List<KPodEvent>();
        var seen = new HashSet<(string, string)>();
        foreach (var pod in fresh)
        {
            var key = (pod.Namespace, pod.Name);
            seen.Add(key);
            if (!known.TryGetValue(key, out var before))
            {
                changes.Add(new KPodEvent(KPodEventType.Added, pod, now));
            }
            else if (before.Object.Metadata?.Uid != pod.Object.Metadata?.Uid)
            {
                // Deleted and created again under the same name while we were not watching.
                changes.Add(new KPodEvent(KPodEventType.Deleted, before, now));
                changes.Add(new KPodEvent(KPodEventType.Added, pod, now));
            }
            else if (before.Object.Metadata?.ResourceVersion != pod.Object.Metadata?.ResourceVersion)
            {
                changes.Add(new KPodEvent(KPodEventType.Modified, pod, now));
            }

            known[key] = pod;
        }

        foreach (var gone in known.Keys.Where(key => !seen.Contains(key)).ToList())
        {
            changes.Add(new KPodEvent(KPodEventType.Deleted, known[gone], now));
            known.Remove(gone);
        }

        return changes;
    }

    private static bool IsGone(Exception error) => error switch
    {
        KubernetesException { Status.Code: 410 } => true,
        HttpOperationException { Response.StatusCode: System.Net.HttpStatusCode.Gone } => true,
        KubeEngineException { StatusCode: 410 } => true,
        _ => false,
    };

    /// <summary>Waits before the next attempt after a transient failure, or throws the translated final error.</summary>
    private static async Task<int> BackOffOrThrowAsync(Exception error, int failures, RequestScope scope, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var translated = KubeErrorTranslator.Translate(error, scope, cancellationToken);
        bool transient = TransientErrors.IsTransient(error) || (error is KubernetesException { Status.Code: int code } && TransientErrors.IsTransientStatus(code));
        if (translated is null)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        failures++;
        if (!transient || failures >= MaxConsecutiveFailures)
        {
            throw translated;
        }

        var delay = TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 200 * Math.Pow(2, failures - 1)));
        EngineHostScope.Current.WriteVerbose($"The watch failed ({translated.Message}); reconnecting in {delay.TotalSeconds:0.#} s.");
        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        return failures;
    }

    /// <summary>Runs <paramref name="call"/> and hands back its error instead of throwing (so the caller can yield).</summary>
    private static async Task<(T? Result, Exception? Error)> TryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return (await call().ConfigureAwait(false), null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception error)
        {
            return (default, error);
        }
    }
}
