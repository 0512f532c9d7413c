using k8s;
using k8s.Models;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;
using PodTools.Engine.Pods.Wait;

namespace PodTools.Engine.Pods.Delete;

/// <summary>How Remove-KPod deletes: grace period, force, and whether to wait until each pod is gone.</summary>
public sealed record PodDeleteOptions
{
    /// <summary>deleteOptions.gracePeriodSeconds; null keeps the pod's terminationGracePeriodSeconds.</summary>
    public long? GracePeriodSeconds { get; init; }

    /// <summary>kubectl --force --grace-period=0: the pod object is removed at once, without waiting for the kubelet.</summary>
    public bool Force { get; init; }

    /// <summary>After the delete is accepted, wait (by watch) until the pod is gone.</summary>
    public bool Wait { get; init; }

    /// <summary>Longest wait per pod for <see cref="Wait"/>; null waits until cancelled.</summary>
    public TimeSpan? WaitTimeout { get; init; }

    /// <summary>
    /// The grace period to send, with kubectl's rules: -Force sends 0; 0 without force becomes 1 (a graceful but
    /// immediate stop), because only a forced delete may skip the kubelet. Throws ArgumentException for force with a
    /// positive grace period, which kubectl refuses as well.
    /// </summary>
    public long? EffectiveGracePeriod()
    {
        if (Force)
        {
            return GracePeriodSeconds is > 0
                ? throw new ArgumentException("-Force deletes immediately (grace period 0) and cannot be combined with a -GracePeriod greater than 0.")
                : 0;
        }

        return GracePeriodSeconds switch
        {
            null => null,
            < 0 => throw new ArgumentException("The grace period cannot be negative."),
            0 => 1,
            long seconds => seconds,
        };
    }
}

/// <summary>One pod to delete and what became of it; the same instance is passed again when the bulk runner retries.</summary>
public sealed class PodDeletion(string @namespace, string name)
{
    public string Namespace { get; } = @namespace;

    public string Name { get; } = name;

    /// <summary>DELETE requests sent for this pod so far.</summary>
    public int DeleteAttempts { get; private set; }

    /// <summary>True once the server accepted the delete (or a retry found the pod already gone).</summary>
    public bool Accepted { get; private set; }

    /// <summary>
    /// True when a retried DELETE answered 404 after an earlier attempt lost its answer (connection reset): that
    /// attempt deleted the pod. (A 404 after a 503 or 429 is PodNotFound: the server had refused the earlier attempt.)
    /// </summary>
    public bool GoneBeforeRetry { get; private set; }

    /// <summary>The pod as the server answered the delete (Terminating), or its last state after -Wait; null when unknown.</summary>
    public KPod? Pod { get; private set; }

    internal void Record(KPod? pod, bool goneBeforeRetry)
    {
        Accepted = true;
        GoneBeforeRetry = goneBeforeRetry;
        Pod = pod ?? Pod;
    }

    /// <summary>An earlier DELETE got no answer (connection reset, timeout), so it may have reached the server.</summary>
    internal bool AnswerLost { get; set; }

    internal void CountAttempt() => DeleteAttempts++;

    internal void Finish(KPod? lastState) => Pod = lastState ?? Pod;

    public override string ToString() => $"pod '{Name}' in namespace '{Namespace}'";
}

/// <summary>
/// Deletes pods one at a time (the bulk runner supplies concurrency and retries) and optionally waits until each
/// is gone. Errors are <see cref="KubeEngineException"/>s (PodNotFound, Forbidden, WaitTimeout, ...).
/// </summary>
public sealed class PodDeleter
{
    private readonly KubeConnection _connection;
    private readonly PodDeleteOptions _options;
    private readonly long? _gracePeriod;
    private readonly PodWaiter _waiter;

    /// <summary>Throws ArgumentException for an invalid grace period / force combination (before any request).</summary>
    public PodDeleter(KubeConnection connection, PodDeleteOptions options)
    {
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _gracePeriod = options.EffectiveGracePeriod();
        _waiter = new PodWaiter(connection);
    }

    /// <summary>The grace period sent with every DELETE (null: the pod's own).</summary>
    public long? GracePeriodSeconds => _gracePeriod;

    /// <summary>Deletes the pod (unless an earlier attempt already got that far), then waits if asked; returns <paramref name="deletion"/>.</summary>
    public async Task<PodDeletion> RunAsync(PodDeletion deletion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deletion);
        if (!deletion.Accepted)
        {
            var scope = _connection.Scope.For("pod", deletion.Name, deletion.Namespace);
            deletion.CountAttempt();
            try
            {
                var body = new V1DeleteOptions { GracePeriodSeconds = _gracePeriod };
                var answer = await _connection.Client.CoreV1.DeleteNamespacedPodAsync(deletion.Name, deletion.Namespace, body,
                    gracePeriodSeconds: (int?)_gracePeriod, cancellationToken: cancellationToken).ConfigureAwait(false);
                answer.ApiVersion ??= "v1";
                answer.Kind ??= "Pod";
                deletion.Record(KPod.From(answer), goneBeforeRetry: false);
            }
            catch (Exception error) when (KubeErrorTranslator.Translate(error, scope, cancellationToken) is { } translated)
            {
                if (translated.StatusCode == 404 && deletion.DeleteAttempts > 1 && deletion.AnswerLost)
                {
                    // An earlier attempt reached the server and its answer was lost on the way back.
                    deletion.Record(null, goneBeforeRetry: true);
                }
                else
                {
                    // No status code: the request may have been carried out; a 404 on the retry then means success.
                    deletion.AnswerLost |= translated.StatusCode is null;
                    throw translated;
                }
            }
        }

        if (_options.Wait && !deletion.GoneBeforeRetry)
        {
            string? uid = deletion.Pod?.Object.Metadata?.Uid;
            var last = await _waiter.WaitAsync(deletion.Namespace, deletion.Name, PodCondition.Deleted, _options.WaitTimeout, uid,
                cancellationToken).ConfigureAwait(false);
            deletion.Finish(last);
        }

        return deletion;
    }
}
