using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;
using PodTools.Engine.Selectors;

namespace PodTools.Engine.Pods;

/// <summary>What to list: one namespace or all, optional label and field selectors, page size.</summary>
public sealed record PodListRequest
{
    /// <summary>Null lists every namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>Label selector text (kubectl grammar); validated before any request.</summary>
    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>limit per request; null pages by default (see <see cref="PodService.PageLimit"/>).</summary>
    public int? PageSize { get; init; }
}

/// <summary>Reads pods: paged lists that yield each page as it arrives, and single pods by name.</summary>
public sealed class PodService(KubeConnection connection)
{
    /// <summary>kubectl's --chunk-size default.</summary>
    public const int DefaultPageSize = 500;

    /// <summary>The limit of a default-paged list's first request.</summary>
    public const int DefaultFirstPageSize = 50;

    /// <summary>
    /// The limit of one list request: the caller's page size when given; otherwise <see cref="DefaultFirstPageSize"/> for
    /// the first page, so the first objects (and the first edits of a bulk run) come after one short answer rather than
    /// a full page, and <see cref="DefaultPageSize"/> after it.
    /// </summary>
    public static int PageLimit(int? pageSize, bool firstPage) =>
        pageSize is int size ? Math.Max(1, size) : firstPage ? DefaultFirstPageSize : DefaultPageSize;

    /// <summary>
    /// Validates a label selector and returns its canonical text (null for an empty one).
    /// Throws <see cref="KubeEngineException"/> InvalidSelector pointing at the offending position.
    /// </summary>
    public static string? NormalizeSelector(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            return null;
        }

        try
        {
            var parsed = LabelSelector.Parse(selector);
            return parsed.IsEmpty ? null : parsed.ToString();
        }
        catch (SelectorSyntaxException error)
        {
            throw new KubeEngineException("InvalidSelector", KubeErrorCategory.InvalidArgument, error.Message, selector, error);
        }
    }

    /// <summary>
    /// Lists pods with limit/continue, yielding each page as soon as the server returns it.
    /// A continue token that expired mid-list (410) is reported, not retried silently.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<KPod>> ListPagesAsync(PodListRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? labelSelector = NormalizeSelector(request.LabelSelector);
        string? fieldSelector = string.IsNullOrWhiteSpace(request.FieldSelector) ? null : request.FieldSelector;
        string? continueToken = null;
        var scope = connection.Scope.For("namespace", request.Namespace, request.Namespace);
        do
        {
            int pageSize = PageLimit(request.PageSize, firstPage: continueToken is null);
            EngineHostScope.Current.WriteDebug(
                $"LIST pods in {request.Namespace ?? "all namespaces"} (limit={pageSize}{(continueToken is null ? "" : ", continued")}) on {connection.Server}");
            V1PodList page;
            try
            {
                page = request.Namespace is null
                    ? await connection.Client.CoreV1.ListPodForAllNamespacesAsync(
                        continueParameter: continueToken, fieldSelector: fieldSelector, labelSelector: labelSelector,
                        limit: pageSize, cancellationToken: cancellationToken).ConfigureAwait(false)
                    : await connection.Client.CoreV1.ListNamespacedPodAsync(request.Namespace,
                        continueParameter: continueToken, fieldSelector: fieldSelector, labelSelector: labelSelector,
                        limit: pageSize, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (KubeErrorTranslator.Translate(error, scope, cancellationToken) is { } translated)
            {
                throw translated;
            }

            yield return page.Items?.Select(FromListItem).ToList() ?? [];
            continueToken = string.IsNullOrEmpty(page.Metadata?.ContinueProperty) ? null : page.Metadata.ContinueProperty;
        }
        while (continueToken is not null);
    }

    /// <summary>Gets one pod; a missing pod is a <see cref="KubeEngineException"/> with id PodNotFound.</summary>
    public async Task<KPod> GetAsync(string @namespace, string name, CancellationToken cancellationToken = default)
    {
        var scope = connection.Scope.For("pod", name, @namespace);
        EngineHostScope.Current.WriteDebug($"GET pod '{name}' in namespace '{@namespace}' on {connection.Server}");
        try
        {
            var pod = await connection.Client.CoreV1.ReadNamespacedPodAsync(name, @namespace, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            return KPod.From(pod);
        }
        catch (Exception error) when (KubeErrorTranslator.Translate(error, scope, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    // List items come without kind/apiVersion; fill them so the object reads like a single GET.
    private static KPod FromListItem(V1Pod pod)
    {
        pod.ApiVersion ??= "v1";
        pod.Kind ??= "Pod";
        return KPod.From(pod);
    }
}
