using k8s;
using k8s.Autorest;
using k8s.Models;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;

namespace PodTools.Engine.Pods.Create;

/// <summary>
/// Follows one pod with a watch (never a polling loop) from the resourceVersion it was created at, until it is
/// Running and Ready or shows a reason it will not get there. A watch the server ends is resumed from the last
/// version seen; one that expired (410 Gone) restarts from a fresh read.
/// </summary>
internal sealed class PodReadyWatch(KubeConnection connection, V1Pod created)
{
    // Waiting reasons after which the kubelet only backs off: waiting longer does not help.
    private static readonly HashSet<string> StuckReasons = new(StringComparer.Ordinal)
    {
        "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName", "CrashLoopBackOff",
        "CreateContainerConfigError", "CreateContainerError", "RunContainerError",
    };

    private readonly string _namespace = created.Metadata.NamespaceProperty;
    private readonly string _name = created.Metadata.Name;
    private V1Pod _latest = created;

    public async Task<KPod> RunAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        string? resourceVersion = _latest.Metadata.ResourceVersion;
        var scope = connection.Scope.For("pod", _name, _namespace);
        try
        {
            if (Verdict(_latest) is { } first)
            {
                return first;
            }

            while (true)
            {
                try
                {
                    await foreach (var (type, pod) in connection.Client.CoreV1.WatchListNamespacedPodAsync(_namespace,
                                       fieldSelector: $"metadata.name={_name}", resourceVersion: resourceVersion,
                                       allowWatchBookmarks: true, cancellationToken: deadline.Token).ConfigureAwait(false))
                    {
                        resourceVersion = pod?.Metadata?.ResourceVersion ?? resourceVersion;
                        if (type == WatchEventType.Bookmark || pod is null)
                        {
                            continue;
                        }

                        if (type == WatchEventType.Deleted)
                        {
                            throw new KubeEngineException("PodDeleted", KubeErrorCategory.ObjectNotFound,
                                $"pod '{_name}' in namespace '{_namespace}' was deleted before it became ready.", KPod.From(pod));
                        }

                        _latest = pod;
                        if (Verdict(pod) is { } ready)
                        {
                            return ready;
                        }
                    }
                }
                catch (Exception error) when (IsGone(error))
                {
                    // The version we watched from is too old: read the pod afresh and watch from there.
                    _latest = await connection.Client.CoreV1.ReadNamespacedPodAsync(_name, _namespace, cancellationToken: deadline.Token)
                        .ConfigureAwait(false);
                    resourceVersion = _latest.Metadata.ResourceVersion;
                    if (Verdict(_latest) is { } ready)
                    {
                        return ready;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var pod = KPod.From(_latest);
            throw new KubeEngineException("WaitTimeout", KubeErrorCategory.OperationTimeout,
                $"pod '{_name}' in namespace '{_namespace}' did not become ready within {timeout.TotalSeconds:0.#} s (status {pod.Status}, ready {pod.Ready}).",
                pod);
        }
        catch (Exception error) when (error is not KubeEngineException
                                      && KubeErrorTranslator.Translate(error, scope, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    // The pod when it is ready; throws when it shows it will not become ready; null while it may still.
    private KPod? Verdict(V1Pod pod)
    {
        var status = pod.Status;
        if (status?.Phase == "Running" && status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
        {
            pod.ApiVersion ??= "v1";
            pod.Kind ??= "Pod";
            return KPod.From(pod);
        }

        if (status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "False" && c.Reason == "Unschedulable")
            is { } unschedulable)
        {
            throw Failure("Unschedulable", KubeErrorCategory.ResourceUnavailable, unschedulable.Message, pod);
        }

        var waiting = (status?.InitContainerStatuses ?? []).Concat(status?.ContainerStatuses ?? [])
            .Select(s => (s.Name, Waiting: s.State?.Waiting))
            .FirstOrDefault(s => s.Waiting?.Reason is { } reason && StuckReasons.Contains(reason));
        if (waiting.Waiting is { } stuck)
        {
            string detail = string.IsNullOrEmpty(stuck.Message) ? $"container {waiting.Name}" : $"container {waiting.Name}: {stuck.Message}";
            throw Failure(stuck.Reason, KubeErrorCategory.ResourceUnavailable, detail, pod);
        }

        return status?.Phase switch
        {
            "Failed" => throw Failure("PodFailed", KubeErrorCategory.InvalidOperation,
                status.Message ?? status.Reason ?? "the pod failed", pod),
            "Succeeded" => throw Failure("PodCompleted", KubeErrorCategory.InvalidOperation,
                "the pod ran to completion without staying ready", pod),
            _ => null,
        };
    }

    private KubeEngineException Failure(string reason, KubeErrorCategory category, string? detail, V1Pod pod)
    {
        pod.ApiVersion ??= "v1";
        pod.Kind ??= "Pod";
        return new KubeEngineException(reason, category,
            $"pod '{_name}' in namespace '{_namespace}' will not become ready: {reason}" + (string.IsNullOrEmpty(detail) ? "" : $": {detail}"),
            KPod.From(pod), reason: reason);
    }

    private static bool IsGone(Exception error) => error switch
    {
        KubernetesException { Status.Code: 410 } => true,
        HttpOperationException { Response.StatusCode: System.Net.HttpStatusCode.Gone } => true,
        _ => false,
    };
}
