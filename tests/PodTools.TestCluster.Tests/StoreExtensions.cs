using System.Text.Json.Nodes;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Tests;

internal static class StoreExtensions
{
    /// <summary>Reads the store directly, bypassing HTTP: proves what was (not) stored.</summary>
    public static Task<JsonObject?> GetAsyncOrNull(this ClusterStore store, string resource, string? ns, string name) =>
        Task.FromResult(store.Get(resource, ns, name));
}
