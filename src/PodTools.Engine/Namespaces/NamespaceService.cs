using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;
using PodTools.Engine.Labels;
using PodTools.Engine.Manifests;
using PodTools.Engine.Model;
using PodTools.Engine.Pods;

namespace PodTools.Engine.Namespaces;

/// <summary>Namespaces: paged lists, get, create (optionally as a server dry run), delete, and waiting until one is gone.</summary>
public sealed class NamespaceService(KubeConnection connection)
{
    public const int DefaultPageSize = 500;

    /// <summary>Lists namespaces with limit/continue, yielding each page as it arrives.</summary>
    public async IAsyncEnumerable<IReadOnlyList<KNamespace>> ListPagesAsync(string? labelSelector, int pageSize = DefaultPageSize,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? selector = PodService.NormalizeSelector(labelSelector);
        string? continueToken = null;
        do
        {
            V1NamespaceList page;
            try
            {
                page = await connection.Client.CoreV1.ListNamespaceAsync(continueParameter: continueToken, labelSelector: selector,
                    limit: Math.Max(1, pageSize), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (KubeErrorTranslator.Translate(error, connection.Scope.For("namespace", null), cancellationToken) is { } translated)
            {
                throw translated;
            }

            yield return page.Items?.Select(FromListItem).ToList() ?? [];
            continueToken = string.IsNullOrEmpty(page.Metadata?.ContinueProperty) ? null : page.Metadata.ContinueProperty;
        }
        while (continueToken is not null);
    }

    /// <summary>Gets one namespace; a missing one is a <see cref="KubeEngineException"/> with id NamespaceNotFound.</summary>
    public async Task<KNamespace> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return KNamespace.From(await connection.Client.CoreV1.ReadNamespaceAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false));
        }
        catch (Exception error) when (KubeErrorTranslator.Translate(error, connection.Scope.For("namespace", name), cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>
    /// A namespace to create from a name and labels. Throws <see cref="KubeEngineException"/> InvalidNamespaceName
    /// or InvalidLabel with the API server's wording, so invalid input never reaches the server.
    /// </summary>
    public static NamespaceDraft Draft(string name, IReadOnlyDictionary<string, string>? labels = null)
    {
        var ns = new V1Namespace
        {
            ApiVersion = "v1",
            Kind = "Namespace",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Labels = labels is { Count: > 0 } ? new Dictionary<string, string>(labels, StringComparer.Ordinal) : null,
            },
        };
        Validate(ns);
        return new NamespaceDraft(ns, source: null);
    }

    /// <summary>
    /// The namespaces of a YAML or JSON manifest file, with <paramref name="labels"/> added (they win over the file's).
    /// A file that cannot be read is an InvalidManifest error naming file, line and column; an object that is not a
    /// namespace, or one with an invalid name or labels, is a draft that carries its error.
    /// </summary>
    public static IReadOnlyList<NamespaceDraft> ReadManifest(string path, IReadOnlyDictionary<string, string>? labels = null)
    {
        IReadOnlyList<ManifestObject> objects;
        try
        {
            objects = ManifestReader.ReadFile(path);
        }
        catch (ManifestException error)
        {
            throw new KubeEngineException("InvalidManifest", KubeErrorCategory.InvalidData, error.Message, path, error);
        }
        catch (IOException error)
        {
            throw new KubeEngineException("ManifestUnreadable", KubeErrorCategory.InvalidData, error.Message, path, error);
        }

        var drafts = new List<NamespaceDraft>(objects.Count);
        foreach (var manifest in objects)
        {
            string source = $"{manifest.SourceName}:{manifest.Line}:{manifest.Column}";
            if (manifest.Object is not V1Namespace ns)
            {
                drafts.Add(new NamespaceDraft(null, source, new KubeEngineException("UnsupportedKind", KubeErrorCategory.InvalidArgument,
                    $"{source}: a {manifest.Kind} is not a Namespace; New-KNamespace creates namespaces only.", path)));
                continue;
            }

            if (labels is { Count: > 0 })
            {
                ns.Metadata ??= new V1ObjectMeta();
                ns.Metadata.Labels ??= new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (key, value) in labels)
                {
                    ns.Metadata.Labels[key] = value;
                }
            }

            try
            {
                Validate(ns);
                drafts.Add(new NamespaceDraft(ns, source));
            }
            catch (KubeEngineException error)
            {
                drafts.Add(new NamespaceDraft(ns, source, error));
            }
        }

        return drafts;
    }

    /// <summary>Checks a namespace's name and labels as the API server would; throws <see cref="KubeEngineException"/>.</summary>
    internal static void Validate(V1Namespace ns)
    {
        ArgumentNullException.ThrowIfNull(ns);
        string name = ns.Metadata?.Name ?? "";
        if (name.Length > 0 || string.IsNullOrEmpty(ns.Metadata?.GenerateName))
        {
            var problems = LabelRules.ValidateNamespaceName(name);
            if (problems.Count > 0)
            {
                // The server's own wording: Namespace "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must ...
                throw new KubeEngineException("InvalidNamespaceName", KubeErrorCategory.InvalidArgument,
                    $"Namespace {LabelRules.GoQuote(name)} is invalid: metadata.name: Invalid value: {LabelRules.GoQuote(name)}: {string.Join("; ", problems)}",
                    name);
            }
        }

        if (ns.Metadata?.Labels is { Count: > 0 } labels)
        {
            var problems = LabelRules.ValidateLabels(new Dictionary<string, string>(labels, StringComparer.Ordinal));
            if (problems.Count > 0)
            {
                throw new KubeEngineException("InvalidLabel", KubeErrorCategory.InvalidArgument,
                    $"Namespace {LabelRules.GoQuote(name)} is invalid: {string.Join("; ", problems)}", name);
            }
        }
    }

    /// <summary>Creates the namespace; with <paramref name="dryRun"/> the server checks and answers without storing it.</summary>
    public async Task<KNamespace> CreateAsync(NamespaceDraft draft, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        if (draft.Error is not null)
        {
            throw draft.Error;
        }

        var ns = draft.Object!;
        Validate(ns);
        ns.ApiVersion ??= "v1";
        ns.Kind ??= "Namespace";
        try
        {
            var created = await connection.Client.CoreV1.CreateNamespaceAsync(ns, dryRun: dryRun ? "All" : null,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return KNamespace.From(created);
        }
        catch (Exception error) when (KubeErrorTranslator.Translate(error, connection.Scope.For("namespace", draft.Name), cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>How many pods the namespace holds (counted page by page).</summary>
    public async Task<int> CountPodsAsync(string name, CancellationToken cancellationToken = default)
    {
        int count = 0;
        await foreach (var page in new PodService(connection).ListPagesAsync(new PodListRequest { Namespace = name }, cancellationToken)
                           .ConfigureAwait(false))
        {
            count += page.Count;
        }

        return count;
    }

    /// <summary>
    /// Asks the server to delete the namespace; returns it as the server answered (Terminating), or null when the
    /// server answered with a bare Status. The server decides what may be deleted (it refuses default, kube-system
    /// and kube-public with 403 Forbidden).
    /// </summary>
    public async Task<KNamespace?> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        V1Status answer;
        try
        {
            answer = await connection.Client.CoreV1.DeleteNamespaceAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (KubeErrorTranslator.Translate(error, connection.Scope.For("namespace", name), cancellationToken) is { } translated)
        {
            throw translated;
        }

        // The API server answers a namespace delete with the Namespace object, which KubernetesClient keeps behind V1Status.
        return answer.HasObject ? KNamespace.From(answer.ObjectView<V1Namespace>()) : null;
    }

    /// <summary>
    /// Returns once the namespace no longer exists, watching it (no polling). A watch that ends or expires (410) is
    /// resumed from a fresh read. Cancel <paramref name="cancellationToken"/> to give up (e.g. for a timeout).
    /// </summary>
    public async Task WaitUntilDeletedAsync(string name, CancellationToken cancellationToken = default)
    {
        var scope = connection.Scope.For("namespace", name);
        while (true)
        {
            V1Namespace current;
            try
            {
                current = await connection.Client.CoreV1.ReadNamespaceAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (KubeErrorTranslator.Translate(error, scope, cancellationToken) is { Category: KubeErrorCategory.ObjectNotFound })
            {
                return;
            }
            catch (Exception error) when (KubeErrorTranslator.Translate(error, scope, cancellationToken) is { } translated)
            {
                throw translated;
            }

            try
            {
                var events = connection.Client.CoreV1.WatchListNamespaceAsync(fieldSelector: $"metadata.name={name}",
                    resourceVersion: current.Metadata?.ResourceVersion, timeoutSeconds: 300, cancellationToken: cancellationToken);
                await foreach (var (type, _) in events.ConfigureAwait(false))
                {
                    if (type == WatchEventType.Deleted)
                    {
                        return;
                    }
                }
            }
            catch (Exception error) when (KubeErrorTranslator.Translate(error, scope, cancellationToken) is { ErrorId: "Expired" })
            {
                // The resourceVersion we watched from is too old: read again and watch from there.
            }
            catch (Exception error) when (KubeErrorTranslator.Translate(error, scope, cancellationToken) is { } translated)
            {
                throw translated;
            }
        }
    }

    // List items come without kind/apiVersion; fill them so the object reads like a single GET.
    private static KNamespace FromListItem(V1Namespace ns)
    {
        ns.ApiVersion ??= "v1";
        ns.Kind ??= "Namespace";
        return KNamespace.From(ns);
    }
}
