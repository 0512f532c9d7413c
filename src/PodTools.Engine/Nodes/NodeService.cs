using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;
using PodTools.Engine.Pods;

namespace PodTools.Engine.Nodes;

/// <summary>Reads nodes: paged lists that yield each page as it arrives, and single nodes by name.</summary>
public sealed class NodeService(KubeConnection connection)
{
    public const int DefaultPageSize = 500;

    /// <summary>Lists nodes with limit/continue; the label selector is validated before any request.</summary>
    public async IAsyncEnumerable<IReadOnlyList<KNode>> ListPagesAsync(string? labelSelector, int pageSize = DefaultPageSize,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? selector = PodService.NormalizeSelector(labelSelector);
        string? continueToken = null;
        do
        {
            V1NodeList page;
            try
            {
                page = await connection.Client.CoreV1.ListNodeAsync(continueParameter: continueToken, labelSelector: selector,
                    limit: Math.Max(1, pageSize), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (KubeErrorTranslator.Translate(error, connection.Scope.For("node", null), cancellationToken) is { } translated)
            {
                throw translated;
            }

            yield return page.Items?.Select(FromListItem).ToList() ?? [];
            continueToken = string.IsNullOrEmpty(page.Metadata?.ContinueProperty) ? null : page.Metadata.ContinueProperty;
        }
        while (continueToken is not null);
    }

    /// <summary>Gets one node; a missing node is a <see cref="KubeEngineException"/> with id NodeNotFound.</summary>
    public async Task<KNode> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return KNode.From(await connection.Client.CoreV1.ReadNodeAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false));
        }
        catch (Exception error) when (KubeErrorTranslator.Translate(error, connection.Scope.For("node", name), cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>Node names for tab completion (one page).</summary>
    public static async Task<IReadOnlyList<string>> NamesAsync(KubeConnection connection, CancellationToken cancellationToken)
    {
        var list = await connection.Client.CoreV1.ListNodeAsync(limit: 500, cancellationToken: cancellationToken).ConfigureAwait(false);
        return list.Items.Select(n => n.Metadata.Name).ToList();
    }

    private static KNode FromListItem(V1Node node)
    {
        node.ApiVersion ??= "v1";
        node.Kind ??= "Node";
        return KNode.From(node);
    }
}
