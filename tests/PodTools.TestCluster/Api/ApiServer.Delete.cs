using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PodTools.TestCluster.Semantics;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Api;

internal sealed partial class ApiServer
{
    private static readonly string[] ImmortalNamespaces = ["default", "kube-system", "kube-public"];
    private static readonly string[] PropagationPolicies = ["Foreground", "Background", "Orphan"];

    /// <summary>metav1.DeleteOptions merged from the body and the query string.</summary>
    private sealed record DeleteOptions(long? GracePeriodSeconds, string? PreconditionUid, string? PreconditionResourceVersion, bool DryRun);

    private async Task DeleteAsync(HttpContext context, ApiRequest request)
    {
        var options = await ReadDeleteOptionsAsync(context);
        var (result, deletedNow) = DeleteOne(request.Type, request.Namespace, request.Name!, options);
        // Pods and namespaces answer with the object; other resources with a Success Status once gone.
        if (deletedNow && !ReferenceEquals(request.Type, ResourceTypes.Pods) && !ReferenceEquals(request.Type, ResourceTypes.Namespaces))
        {
            await JsonOutput.WriteAsync(context, 200, JsonOutput.SuccessStatus(request.Type, result.Name, result.Uid));
            return;
        }
        await JsonOutput.WriteStoredAsync(context, 200, result);
    }

    private async Task DeleteCollectionAsync(HttpContext context, ApiRequest request)
    {
        var filter = ObjectFilter.FromQuery(request.Type, context.Request.Query);
        var options = await ReadDeleteOptionsAsync(context);
        var snapshot = _store.Snapshot(request.Type);
        var deleted = new List<StoredObject>();
        foreach (var item in snapshot.Items.Values)
        {
            if (request.Namespace is not null && item.Namespace != request.Namespace) continue;
            if (!filter.Matches(item)) continue;
            try
            {
                deleted.Add(DeleteOne(request.Type, item.Namespace, item.Name, options).Result);
            }
            catch (StatusException e) when (e.Code == 404)
            {
                // Gone meanwhile: deletecollection skips it as kube-apiserver does.
            }
        }
        await WriteListAsync(context, request.Type, new JsonObject { ["resourceVersion"] = _store.ResourceVersion.ToString() }, deleted);
    }

    /// <summary>Deletes one object with the registry's semantics; DeletedNow is false when it only started terminating.</summary>
    private (StoredObject Result, bool DeletedNow) DeleteOne(ResourceType type, string? ns, string name, DeleteOptions options)
    {
        var current = _store.Find(type, ns, name) ?? throw StatusException.NotFound(type.Plural, name);
        if (ReferenceEquals(type, ResourceTypes.Pods)) return DeletePod(current, options);
        if (ReferenceEquals(type, ResourceTypes.Namespaces)) return (DeleteNamespace(current, options), false);
        return (_store.DeleteStored(type, ns, name, options.PreconditionUid, options.PreconditionResourceVersion, options.DryRun), true);
    }

    private (StoredObject Result, bool DeletedNow) DeletePod(StoredObject pod, DeleteOptions options)
    {
        var grace = options.GracePeriodSeconds ?? (long?)pod.Object["spec"]?["terminationGracePeriodSeconds"] ?? 30;
        if (grace < 0) grace = 1;
        var phase = (string?)pod.Object["status"]?["phase"];
        // Like the pod strategy: a pod that never reached a node, or has finished, has nothing to stop.
        if (string.IsNullOrEmpty((string?)pod.Object["spec"]?["nodeName"]) || phase is "Succeeded" or "Failed") grace = 0;

        if (grace == 0 && !HasFinalizers(pod.Object))
        {
            return (_store.DeleteStored(ResourceTypes.Pods, pod.Namespace, pod.Name, options.PreconditionUid, options.PreconditionResourceVersion, options.DryRun), true);
        }

        var deadline = _clock.UtcNow.AddSeconds(grace);
        var updated = _store.UpdateStored(ResourceTypes.Pods, pod.Namespace, pod.Name, current =>
        {
            CheckPreconditions(ResourceTypes.Pods, pod.Name, current, options);
            var metadata = Metadata(current);
            // A repeated delete may only shorten the grace period.
            if ((long?)metadata["deletionGracePeriodSeconds"] is long existing && existing <= grace) return null;
            metadata["deletionTimestamp"] = ClusterClock.FormatTime(deadline);
            metadata["deletionGracePeriodSeconds"] = grace;
            return current;
        }, options.DryRun);
        if (updated is null) return (_store.Find(ResourceTypes.Pods, pod.Namespace, pod.Name) ?? pod, false);
        if (!options.DryRun) _ = FinishPodDeletionAfterAsync(pod.Namespace!, pod.Name, pod.Uid, TimeSpan.FromSeconds(grace));
        return (updated, false);
    }

    /// <summary>Removes a terminating pod when its grace period ends (unless a kubelet finished it earlier).</summary>
    private async Task FinishPodDeletionAfterAsync(string ns, string name, string uid, TimeSpan grace)
    {
        try
        {
            await _clock.Delay(grace, _stopping);
            var pod = _store.Find(ResourceTypes.Pods, ns, name);
            if (pod is null || pod.Uid != uid) return;
            if (HasFinalizers(pod.Object))
            {
                // Finalizers hold the pod; the store removes it when the last one is taken off.
                _store.UpdateStored(ResourceTypes.Pods, ns, name, p => { Metadata(p)["deletionGracePeriodSeconds"] = 0; return p; }, dryRun: false);
                return;
            }
            _store.DeleteStored(ResourceTypes.Pods, ns, name, uid, null, dryRun: false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (StatusException)
        {
            // Already gone, or replaced by a new pod of the same name.
        }
    }

    private StoredObject DeleteNamespace(StoredObject ns, DeleteOptions options)
    {
        if (ImmortalNamespaces.Contains(ns.Name))
        {
            throw StatusException.Forbidden("namespaces", ns.Name, "this namespace may not be deleted");
        }
        if (ns.IsTerminating)
        {
            CheckPreconditions(ResourceTypes.Namespaces, ns.Name, ns.Object, options);
            return ns;
        }
        var now = ClusterClock.FormatTime(_clock.UtcNow);
        var updated = _store.UpdateStored(ResourceTypes.Namespaces, null, ns.Name, current =>
        {
            CheckPreconditions(ResourceTypes.Namespaces, ns.Name, current, options);
            var metadata = Metadata(current);
            metadata["deletionTimestamp"] = now;
            metadata["deletionGracePeriodSeconds"] = 0;
            current["status"] = new JsonObject { ["phase"] = "Terminating" };
            return current;
        }, options.DryRun)!;
        if (!options.DryRun) _ = TerminateNamespaceAsync(ns.Name, ns.Uid);
        return updated;
    }

    /// <summary>The namespace controller: delete everything in the namespace, then the namespace itself.</summary>
    private async Task TerminateNamespaceAsync(string ns, string uid)
    {
        try
        {
            var reportedConditions = false;
            while (!_stopping.IsCancellationRequested)
            {
                var pods = _store.Snapshot(ResourceTypes.Pods).Items.Values.Where(p => p.Namespace == ns).ToList();
                var events = _store.Snapshot(ResourceTypes.Events).Items.Values.Where(e => e.Namespace == ns).ToList();
                if (!reportedConditions)
                {
                    ReportTerminationConditions(ns, pods.Count);
                    reportedConditions = true;
                }
                foreach (var pod in pods.Where(p => !p.IsTerminating))
                {
                    TryDelete(() => DeletePod(pod, new DeleteOptions(null, null, null, false)));
                }
                foreach (var e in events)
                {
                    TryDelete(() => _store.DeleteStored(ResourceTypes.Events, ns, e.Name, null, null, dryRun: false));
                }
                if (pods.Count == 0 && events.Count == 0)
                {
                    TryDelete(() => _store.DeleteStored(ResourceTypes.Namespaces, null, ns, uid, null, dryRun: false));
                    return;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(50), _stopping);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void ReportTerminationConditions(string ns, int podCount)
    {
        var now = ClusterClock.FormatTime(_clock.UtcNow);
        JsonObject Condition(string type, bool status, string reason, string message) => new()
        {
            ["type"] = type,
            ["status"] = status ? "True" : "False",
            ["lastTransitionTime"] = now,
            ["reason"] = reason,
            ["message"] = message,
        };
        TryDelete(() => _store.UpdateStored(ResourceTypes.Namespaces, null, ns, current =>
        {
            current["status"] = new JsonObject
            {
                ["phase"] = "Terminating",
                ["conditions"] = new JsonArray(
                    Condition("NamespaceDeletionDiscoveryFailure", false, "ResourcesDiscovered", "All resources successfully discovered"),
                    Condition("NamespaceDeletionGroupVersionParsingFailure", false, "ParsedGroupVersions", "All legacy kube types successfully parsed"),
                    Condition("NamespaceDeletionContentFailure", false, "ContentDeleted", "All content successfully deleted, may be waiting on finalization"),
                    podCount > 0
                        ? Condition("NamespaceContentRemaining", true, "SomeResourcesRemain", $"Some resources are remaining: pods. has {podCount} resource instances")
                        : Condition("NamespaceContentRemaining", false, "ContentRemoved", "All content successfully removed"),
                    Condition("NamespaceFinalizersRemaining", false, "ContentHasNoFinalizers", "All content-preserving finalizers finished")),
            };
            return current;
        }, dryRun: false));
    }

    private static void TryDelete(Func<object?> action)
    {
        try
        {
            action();
        }
        catch (StatusException)
        {
            // Someone else removed or changed it first; the next round sees the new state.
        }
    }

    private static bool HasFinalizers(JsonObject obj) => obj["metadata"]?["finalizers"] is JsonArray { Count: > 0 };

    private static void CheckPreconditions(ResourceType type, string name, JsonObject current, DeleteOptions options)
    {
        var uid = (string?)current["metadata"]?["uid"];
        var rv = (string?)current["metadata"]?["resourceVersion"];
        if (!string.IsNullOrEmpty(options.PreconditionUid) && options.PreconditionUid != uid)
        {
            throw StatusException.Conflict(type.Plural, name, $"Precondition failed: UID in precondition: {options.PreconditionUid}, UID in object meta: {uid}");
        }
        if (!string.IsNullOrEmpty(options.PreconditionResourceVersion) && options.PreconditionResourceVersion != rv)
        {
            throw StatusException.Conflict(type.Plural, name, $"Precondition failed: ResourceVersion in precondition: {options.PreconditionResourceVersion}, ResourceVersion in object meta: {rv}");
        }
    }

    private static async Task<DeleteOptions> ReadDeleteOptionsAsync(HttpContext context)
    {
        var query = context.Request.Query;
        JsonObject? body = null;
        using (var reader = new StreamReader(context.Request.Body))
        {
            var text = await reader.ReadToEndAsync(context.RequestAborted);
            if (!string.IsNullOrWhiteSpace(text))
            {
                try
                {
                    body = JsonNode.Parse(text) as JsonObject;
                }
                catch (JsonException e)
                {
                    throw StatusException.BadRequest($"couldn't get version/kind; json parse error: {e.Message}");
                }
            }
        }

        long? grace = body?["gracePeriodSeconds"] is JsonValue g && g.TryGetValue<long>(out var bodyGrace) ? bodyGrace : null;
        if (query["gracePeriodSeconds"].ToString() is { Length: > 0 } queryGrace)
        {
            grace = long.TryParse(queryGrace, out var parsed) ? parsed : throw StatusException.BadRequest($"strconv.ParseInt: parsing \"{queryGrace}\": invalid syntax");
        }
        var propagation = query["propagationPolicy"].ToString() is { Length: > 0 } p ? p : (string?)body?["propagationPolicy"];
        if (propagation is not null && !PropagationPolicies.Contains(propagation))
        {
            var supported = string.Join(", ", PropagationPolicies.Select(v => $"\"{v}\""));
            throw StatusException.Invalid("DeleteOptions.meta.k8s.io", "",
                [new StatusCause("FieldValueNotSupported", $"Unsupported value: \"{propagation}\": supported values: {supported}", "propagationPolicy")]);
        }
        var dryRun = IsDryRun(context, "DeleteOptions") || body?["dryRun"] is JsonArray { Count: > 0 };
        return new DeleteOptions(grace, (string?)body?["preconditions"]?["uid"], (string?)body?["preconditions"]?["resourceVersion"], dryRun);
    }
}
