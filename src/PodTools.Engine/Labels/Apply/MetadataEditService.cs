using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using PodTools.Engine.Bulk;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;
using PodTools.Engine.Pods;

namespace PodTools.Engine.Labels.Apply;

/// <summary>What one edit did: the plan it followed and the object afterwards.</summary>
public sealed class MetadataEditResult
{
    internal MetadataEditResult(MetadataTarget target, LabelChangePlan plan, bool changed, object? output)
    {
        Target = target;
        Plan = plan;
        Changed = changed;
        Output = output;
    }

    /// <summary>The object as it was before the edit (read or from the pipeline).</summary>
    public MetadataTarget Target { get; }

    /// <summary>The per-key diff that was applied.</summary>
    public LabelChangePlan Plan { get; }

    /// <summary>False when the object already had the requested values and no patch was sent.</summary>
    public bool Changed { get; }

    /// <summary>The object after the edit: a <see cref="KPod"/> for pods, a <see cref="KNode"/> or <see cref="KNamespace"/> otherwise; null if it was never read.</summary>
    public object? Output { get; }
}

/// <summary>
/// Applies one <see cref="LabelChange"/> (labels or annotations) to pods, nodes or namespaces: resolves targets by
/// name or selector, plans per object, and sends one JSON merge patch per object. Every label cmdlet uses it, and
/// each call is safe to run concurrently from the bulk runner.
/// </summary>
public sealed class MetadataEditService
{
    private readonly KubeConnection _connection;

    public MetadataEditService(KubeConnection connection, MetadataResource resource, LabelChange change)
    {
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        Resource = resource;
        Change = change ?? throw new ArgumentNullException(nameof(change));
    }

    public MetadataResource Resource { get; }

    public LabelChange Change { get; }

    /// <summary>Whether results carry the object after the edit (-PassThru); off saves building one per object.</summary>
    public bool ReturnObjects { get; init; } = true;

    /// <summary>Singular lower-case kind for messages and error scopes ("pod", "node", "namespace").</summary>
    public string KindName => KindOf(Resource);

    /// <summary>Plans the change against what is known of <paramref name="target"/>.</summary>
    public LabelChangePlan Plan(MetadataTarget target, string? resourceVersion = null) =>
        Change.PlanFor(target.Current(Change.Kind), resourceVersion);

    /// <summary>The error for a plan that must not be sent (an existing key without overwrite, annotations too large), or null.</summary>
    public KubeEngineException? Refusal(MetadataTarget target, LabelChangePlan plan)
    {
        if (plan.Conflicts.Count > 0)
        {
            // kubectl's own words for each key, behind the object they are about (a bulk run reports many objects).
            string id = Change.Kind == MetadataKind.Labels ? "LabelExists" : "AnnotationExists";
            return new KubeEngineException(id, KubeErrorCategory.ResourceExists,
                $"{target.Description}: {string.Join("; ", plan.Conflicts.Select(c => c.Message))}", target.Source ?? target.Name);
        }

        if (plan.Problems.Count > 0)
        {
            return new KubeEngineException("Invalid", KubeErrorCategory.InvalidData,
                $"{target.Description}: {string.Join("; ", plan.Problems)}", target.Source ?? target.Name);
        }

        return null;
    }

    /// <summary>Reads one object; a missing one is a KubeEngineException such as PodNotFound.</summary>
    public async Task<MetadataTarget> ReadAsync(string name, string? @namespace, CancellationToken cancellationToken = default)
    {
        var scope = _connection.Scope.For(KindName, name, @namespace);
        try
        {
            switch (Resource)
            {
                case MetadataResource.Pod:
                    var pod = await _connection.Client.CoreV1.ReadNamespacedPodAsync(name, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                    return MetadataTarget.FromPod(KPod.From(pod));
                case MetadataResource.Node:
                    var node = await _connection.Client.CoreV1.ReadNodeAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
                    return MetadataTarget.FromNode(KNode.From(node));
                default:
                    var item = await _connection.Client.CoreV1.ReadNamespaceAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
                    return MetadataTarget.FromNamespace(KNamespace.From(item));
            }
        }
        catch (Exception error) when (KubeErrorTranslator.Translate(error, scope, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>
    /// Lists the objects matching <paramref name="labelSelector"/> (all when null) a page at a time, in
    /// <paramref name="namespace"/> for pods (null: every namespace). Each page is yielded as it arrives, so edits can
    /// start before the list ends; by default the first page is short for the same reason (<see cref="PodService.PageLimit"/>).
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<MetadataTarget>> ListAsync(string? @namespace, string? labelSelector,
        int? pageSize = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? selector = PodService.NormalizeSelector(labelSelector);
        string? continueToken = null;
        var scope = _connection.Scope.For(KindName, null, @namespace);
        do
        {
            int limit = PodService.PageLimit(pageSize, firstPage: continueToken is null);
            IReadOnlyList<MetadataTarget> items;
            try
            {
                if (Resource == MetadataResource.Pod)
                {
                    var list = @namespace is null
                        ? await _connection.Client.CoreV1.ListPodForAllNamespacesAsync(continueParameter: continueToken, labelSelector: selector,
                            limit: limit, cancellationToken: cancellationToken).ConfigureAwait(false)
                        : await _connection.Client.CoreV1.ListNamespacedPodAsync(@namespace, continueParameter: continueToken,
                            labelSelector: selector, limit: limit, cancellationToken: cancellationToken).ConfigureAwait(false);
                    continueToken = list.Metadata?.ContinueProperty;
                    items = list.Items.Select(pod => MetadataTarget.FromListedPod(WithKind(pod, "v1", "Pod"))).ToList();
                }
                else if (Resource == MetadataResource.Node)
                {
                    var list = await _connection.Client.CoreV1.ListNodeAsync(continueParameter: continueToken, labelSelector: selector,
                        limit: limit, cancellationToken: cancellationToken).ConfigureAwait(false);
                    continueToken = list.Metadata?.ContinueProperty;
                    items = list.Items.Select(n => MetadataTarget.FromNode(KNode.From(WithKind(n, "v1", "Node")))).ToList();
                }
                else
                {
                    var list = await _connection.Client.CoreV1.ListNamespaceAsync(continueParameter: continueToken, labelSelector: selector,
                        limit: limit, cancellationToken: cancellationToken).ConfigureAwait(false);
                    continueToken = list.Metadata?.ContinueProperty;
                    items = list.Items.Select(n => MetadataTarget.FromNamespace(KNamespace.From(WithKind(n, "v1", "Namespace")))).ToList();
                }
            }
            catch (Exception error) when (KubeErrorTranslator.Translate(error, scope, cancellationToken) is { } translated)
            {
                throw translated;
            }

            yield return items;
        }
        while (!string.IsNullOrEmpty(continueToken));
    }

    /// <summary>
    /// Edits one object: reads it first only when the overwrite check needs values that are unknown, refuses
    /// conflicts (LabelExists) without a request, skips objects that already match, and otherwise sends one merge
    /// patch, carrying <paramref name="resourceVersion"/> as a precondition when given (409 Conflict if it changed).
    /// On a bulk retry, a Conflict on an object that already holds the requested values counts as done: the lost
    /// answer of an earlier attempt was the change.
    /// </summary>
    public async Task<MetadataEditResult> ApplyAsync(MetadataTarget target, string? resourceVersion = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var plan = Plan(target, resourceVersion);
        if (plan.NeedsCurrentValues)
        {
            target = await ReadAsync(target.Name, target.Namespace, cancellationToken).ConfigureAwait(false);
            plan = Plan(target, resourceVersion);
        }

        if (Refusal(target, plan) is { } refusal)
        {
            throw refusal;
        }

        if (plan.IsNoOp && resourceVersion is null)
        {
            return new MetadataEditResult(target, plan, changed: false, target.Source);
        }

        object? output;
        try
        {
            output = await PatchAsync(target, plan.ToMergePatch(), cancellationToken).ConfigureAwait(false);
        }
        catch (KubeEngineException conflict) when (resourceVersion is not null && conflict.ErrorId == "Conflict"
                                                   && BulkAttempt.Current is { IsRetry: true })
        {
            if (await ReadIfAlreadyAppliedAsync(target, cancellationToken).ConfigureAwait(false) is not { } applied)
            {
                throw;
            }

            output = ReturnObjects ? applied.Source : null;
        }

        return new MetadataEditResult(target, plan, changed: true, output);
    }

    // A retry's 409 may be the echo of our own earlier attempt: the server applied that patch, its answer was lost,
    // and the resourceVersion moved past the precondition because of our write. When the object now holds every
    // requested value and none of the removed keys, the edit is in place and counts as done; anything else means
    // someone else changed the object, and the Conflict stands. A first attempt's 409 always stands (-IfUnchanged).
    private async Task<MetadataTarget?> ReadIfAlreadyAppliedAsync(MetadataTarget target, CancellationToken cancellationToken)
    {
        MetadataTarget current;
        try
        {
            current = await ReadAsync(target.Name, target.Namespace, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeEngineException error) when (!TransientErrors.IsTransient(error))
        {
            // Gone or unreadable: nothing shows the edit is in place. A transient failure propagates, so the whole
            // attempt is retried.
            return null;
        }

        return Change.PlanFor(current.Current(Change.Kind)).IsNoOp ? current : null;
    }

    // Without ReturnObjects the answer is only a status: ask for the object's metadata alone, as client-go's metadata
    // client does, which spares the server and the client a full object per edit. A server without that
    // transformation answers with the whole object (the second media type).
    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> MetadataOnlyAnswer =
        new Dictionary<string, IReadOnlyList<string>>
        {
            ["Accept"] = ["application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1", "application/json"],
        };

    private async Task<object?> PatchAsync(MetadataTarget target, string body, CancellationToken cancellationToken)
    {
        var patch = new V1Patch(body, V1Patch.PatchType.MergePatch);
        var scope = _connection.Scope.For(KindName, target.Name, target.Namespace);
        var headers = ReturnObjects ? null : MetadataOnlyAnswer;
        var core = _connection.Client.CoreV1;
        try
        {
            switch (Resource)
            {
                case MetadataResource.Pod:
                    using (var answer = await core.PatchNamespacedPodWithHttpMessagesAsync(patch, target.Name, target.Namespace,
                               customHeaders: headers, cancellationToken: cancellationToken).ConfigureAwait(false))
                    {
                        return ReturnObjects ? KPod.From(answer.Body) : null;
                    }
                case MetadataResource.Node:
                    using (var answer = await core.PatchNodeWithHttpMessagesAsync(patch, target.Name, customHeaders: headers,
                               cancellationToken: cancellationToken).ConfigureAwait(false))
                    {
                        return ReturnObjects ? KNode.From(answer.Body) : null;
                    }
                default:
                    using (var answer = await core.PatchNamespaceWithHttpMessagesAsync(patch, target.Name, customHeaders: headers,
                               cancellationToken: cancellationToken).ConfigureAwait(false))
                    {
                        return ReturnObjects ? KNamespace.From(answer.Body) : null;
                    }
            }
        }
        catch (Exception error) when (KubeErrorTranslator.Translate(error, scope, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>Singular lower-case kind of <paramref name="resource"/>.</summary>
    public static string KindOf(MetadataResource resource) => resource switch
    {
        MetadataResource.Pod => "pod",
        MetadataResource.Node => "node",
        _ => "namespace",
    };

    // List items come without kind/apiVersion; fill them so the object reads like a single GET.
    private static T WithKind<T>(T item, string apiVersion, string kind) where T : IKubernetesObject
    {
        item.ApiVersion ??= apiVersion;
        item.Kind ??= kind;
        return item;
    }
}
