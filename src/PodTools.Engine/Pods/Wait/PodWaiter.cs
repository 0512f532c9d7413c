using PodTools.Engine.Connection;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;
using PodTools.Engine.Pods.Watch;
using PodTools.Engine.Printing;

namespace PodTools.Engine.Pods.Wait;

/// <summary>
/// Waits for one pod to reach a <see cref="PodCondition"/> by watching it (field selector metadata.name), never by
/// polling. Used by Wait-KPod, New-KPod -Wait and Remove-KPod -Wait.
/// </summary>
/// <remarks>
/// Outcomes: the pod when the condition holds (for Deleted: its last state, or null when it did not exist);
/// otherwise a <see cref="KubeEngineException"/> with id WaitTimeout (OperationTimeout), PodFailed
/// (ResourceUnavailable; Reason is the kubelet's or scheduler's reason, e.g. Unschedulable, CrashLoopBackOff,
/// ImagePullBackOff, Failed, Completed), PodNotFound (ObjectNotFound; missing, or deleted while waiting), or the
/// API error (Forbidden, ...). Cancelling the token throws OperationCanceledException.
/// </remarks>
public sealed class PodWaiter(KubeConnection connection)
{
    private readonly PodWatchService _watch = new(connection);

    /// <summary>
    /// Waits for pod <paramref name="name"/> in <paramref name="namespace"/>. <paramref name="timeout"/> null waits
    /// until cancelled. <paramref name="uid"/>, when given, pins the incarnation: for Deleted, a pod recreated under
    /// the same name counts as the old one gone; for the other conditions a different UID is PodNotFound.
    /// </summary>
    public async Task<KPod?> WaitAsync(string @namespace, string name, PodCondition condition, TimeSpan? timeout = null,
        string? uid = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } limit && limit != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(limit < TimeSpan.Zero ? TimeSpan.Zero : limit);
        }

        var request = new PodWatchRequest { Namespace = @namespace, FieldSelector = $"metadata.name={name}", IncludeExisting = false };
        KPod? last = null;
        try
        {
            var snapshot = await _watch.ListAsync(request, deadline.Token).ConfigureAwait(false);
            last = snapshot.Pods.FirstOrDefault();
            if (last is not null && uid is not null && last.Object.Metadata?.Uid != uid)
            {
                if (condition == PodCondition.Deleted)
                {
                    return null;
                }

                throw NotFound(@namespace, name, condition, deleted: true);
            }

            if (last is null)
            {
                return condition == PodCondition.Deleted ? null : throw NotFound(@namespace, name, condition, deleted: false);
            }

            uid ??= last.Object.Metadata?.Uid;
            if (Decide(last, condition, @namespace, name) is { } done)
            {
                return done;
            }

            await foreach (var change in _watch.WatchAsync(request, snapshot, deadline.Token).ConfigureAwait(false))
            {
                bool samePod = uid is null || change.Pod.Object.Metadata?.Uid == uid;
                if (change.Type == KPodEventType.Deleted && samePod)
                {
                    return condition == PodCondition.Deleted ? change.Pod : throw NotFound(@namespace, name, condition, deleted: true);
                }

                if (!samePod)
                {
                    // A new pod under the same name: ours is gone.
                    if (change.Type == KPodEventType.Added)
                    {
                        return condition == PodCondition.Deleted ? last : throw NotFound(@namespace, name, condition, deleted: true);
                    }

                    continue;
                }

                last = change.Pod;
                if (Decide(last, condition, @namespace, name) is { } reached)
                {
                    return reached;
                }
            }

            // The watch only ends through cancellation or an error; reaching here means the token fired.
            deadline.Token.ThrowIfCancellationRequested();
            return null;
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested && deadline.IsCancellationRequested
                                      && error is OperationCanceledException or KubeEngineException { ErrorId: "RequestTimeout" })
        {
            string status = last is null ? "" : $" (status: {last.Status})";
            throw new KubeEngineException("WaitTimeout", KubeErrorCategory.OperationTimeout,
                $"Timed out after {DurationText(timeout!.Value)} waiting for pod '{name}' in namespace '{@namespace}' to be {Describe(condition)}{status}.",
                name, error);
        }
    }

    /// <summary>The pod when the condition holds; throws PodFailed when it cannot come; null to keep waiting.</summary>
    private static KPod? Decide(KPod pod, PodCondition condition, string @namespace, string name)
    {
        var check = PodCheck.Evaluate(pod, condition);
        return check.State switch
        {
            PodCheckState.Met => pod,
            PodCheckState.Failed => throw new KubeEngineException("PodFailed", KubeErrorCategory.ResourceUnavailable,
                $"Pod '{name}' in namespace '{@namespace}' will not become {Describe(condition)}: {check.Reason}: {check.Message}",
                name, reason: check.Reason),
            _ => null,
        };
    }

    private static KubeEngineException NotFound(string @namespace, string name, PodCondition condition, bool deleted) =>
        new("PodNotFound", KubeErrorCategory.ObjectNotFound,
            deleted
                ? $"Pod '{name}' in namespace '{@namespace}' was deleted while waiting for it to be {Describe(condition)}."
                : $"pods \"{name}\" not found in namespace '{@namespace}'.",
            name, reason: "NotFound");

    private static string Describe(PodCondition condition) => condition switch
    {
        PodCondition.Deleted => "deleted",
        PodCondition.Completed => "Completed",
        _ => condition.ToString(),
    };

    private static string DurationText(TimeSpan value) =>
        value < TimeSpan.FromSeconds(1) ? $"{value.TotalMilliseconds:0}ms" : DurationPrinter.Human(value);
}
