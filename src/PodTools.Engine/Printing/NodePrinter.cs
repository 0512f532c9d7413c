using k8s.Models;

namespace PodTools.Engine.Printing;

/// <summary>kubectl's node columns (printNode in kubectl's internalversion printers): STATUS, ROLES and the -o wide addresses.</summary>
public static class NodePrinter
{
    /// <summary>A label whose suffix names a role: node-role.kubernetes.io/control-plane="" is the role "control-plane".</summary>
    public const string RoleLabelPrefix = "node-role.kubernetes.io/";

    /// <summary>The older role label: kubernetes.io/role=master is the role "master".</summary>
    public const string RoleLabel = "kubernetes.io/role";

    /// <summary>
    /// The STATUS column: "Ready" or "NotReady" from the Ready condition ("Unknown" without one), then
    /// ",SchedulingDisabled" for a cordoned node.
    /// </summary>
    public static string Status(V1Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var parts = new List<string>(2);
        // kubectl keys the conditions by type in a map, so a repeated type counts with its last entry.
        var ready = node.Status?.Conditions?.LastOrDefault(c => c.Type == "Ready");
        if (ready is not null)
        {
            parts.Add(ready.Status == "True" ? "Ready" : "NotReady");
        }
        else
        {
            parts.Add("Unknown");
        }

        if (node.Spec?.Unschedulable == true)
        {
            parts.Add("SchedulingDisabled");
        }

        return string.Join(",", parts);
    }

    /// <summary>True when the Ready condition says True.</summary>
    public static bool IsReady(V1Node node) =>
        node?.Status?.Conditions?.LastOrDefault(c => c.Type == "Ready")?.Status == "True";

    /// <summary>
    /// The node's roles, sorted and distinct: the suffix of every node-role.kubernetes.io/&lt;role&gt; label (any value)
    /// and the non-empty value of kubernetes.io/role.
    /// </summary>
    public static IReadOnlyList<string> Roles(V1Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in node.Metadata?.Labels ?? new Dictionary<string, string>())
        {
            if (key.StartsWith(RoleLabelPrefix, StringComparison.Ordinal))
            {
                string role = key[RoleLabelPrefix.Length..];
                if (role.Length > 0)
                {
                    roles.Add(role);
                }
            }
            else if (key == RoleLabel && !string.IsNullOrEmpty(value))
            {
                roles.Add(value);
            }
        }

        return roles.ToList();
    }

    /// <summary>The ROLES column: roles joined with commas, or "&lt;none&gt;".</summary>
    public static string RolesText(V1Node node)
    {
        var roles = Roles(node);
        return roles.Count == 0 ? "<none>" : string.Join(",", roles);
    }

    /// <summary>The first InternalIP address, or null (kubectl prints "&lt;none&gt;").</summary>
    public static string? InternalIP(V1Node node) => Address(node, "InternalIP");

    /// <summary>The first ExternalIP address, or null (kubectl prints "&lt;none&gt;").</summary>
    public static string? ExternalIP(V1Node node) => Address(node, "ExternalIP");

    private static string? Address(V1Node node, string type)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Status?.Addresses?.FirstOrDefault(a => a.Type == type)?.Address is { Length: > 0 } address ? address : null;
    }
}
