using k8s;
using PodTools.Engine.Connection;

namespace PodTools.Engine.Pods;

/// <summary>Cheap name lookups for tab completion (one page, names only).</summary>
public static class ClusterLookup
{
    private const int Limit = 500;

    public static async Task<IReadOnlyList<string>> NamespaceNamesAsync(KubeConnection connection, CancellationToken cancellationToken)
    {
        var list = await connection.Client.CoreV1.ListNamespaceAsync(limit: Limit, cancellationToken: cancellationToken).ConfigureAwait(false);
        return list.Items.Select(n => n.Metadata.Name).ToList();
    }

    /// <summary>Pod names in <paramref name="namespace"/>, or in every namespace when null.</summary>
    public static async Task<IReadOnlyList<string>> PodNamesAsync(KubeConnection connection, string? @namespace, CancellationToken cancellationToken)
    {
        var list = @namespace is null
            ? await connection.Client.CoreV1.ListPodForAllNamespacesAsync(limit: Limit, cancellationToken: cancellationToken).ConfigureAwait(false)
            : await connection.Client.CoreV1.ListNamespacedPodAsync(@namespace, limit: Limit, cancellationToken: cancellationToken).ConfigureAwait(false);
        return list.Items.Select(p => p.Metadata.Name).ToList();
    }
}
