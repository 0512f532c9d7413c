using k8s.Models;
using PodTools.Engine.Model;
using PodTools.Engine.Printing;

namespace PodTools.Engine.Tests.Nodes;

/// <summary>kubectl's node STATUS and ROLES columns (printNode / findNodeRoles), case by case.</summary>
public sealed class NodePrinterTests
{
    private static V1Node Node(IDictionary<string, string>? labels = null, bool unschedulable = false,
        params (string Type, string Status)[] conditions) => new()
    {
        Metadata = new V1ObjectMeta { Name = "n1", Labels = labels },
        Spec = new V1NodeSpec { Unschedulable = unschedulable },
        Status = new V1NodeStatus
        {
            Conditions = conditions.Select(c => new V1NodeCondition { Type = c.Type, Status = c.Status }).ToList(),
        },
    };

    [Theory]
    [InlineData("True", false, "Ready")]
    [InlineData("False", false, "NotReady")]
    [InlineData("Unknown", false, "NotReady")]
    [InlineData("True", true, "Ready,SchedulingDisabled")]
    [InlineData("False", true, "NotReady,SchedulingDisabled")]
    public void Status_is_Ready_or_NotReady_from_the_Ready_condition_plus_SchedulingDisabled_when_cordoned(string ready, bool unschedulable, string expected)
    {
        var node = Node(unschedulable: unschedulable, conditions: [("MemoryPressure", "False"), ("Ready", ready), ("DiskPressure", "True")]);

        Assert.Equal(expected, NodePrinter.Status(node));
    }

    [Fact]
    public void Status_is_Unknown_without_a_Ready_condition()
    {
        Assert.Equal("Unknown", NodePrinter.Status(Node(conditions: [("MemoryPressure", "False")])));
        Assert.Equal("Unknown", NodePrinter.Status(new V1Node { Metadata = new V1ObjectMeta { Name = "bare" } }));
        Assert.Equal("Unknown,SchedulingDisabled", NodePrinter.Status(Node(unschedulable: true)));
    }

    [Fact]
    public void Status_uses_the_last_Ready_condition_when_the_type_repeats_as_kubectl_map_does()
    {
        Assert.Equal("NotReady", NodePrinter.Status(Node(conditions: [("Ready", "True"), ("Ready", "False")])));
    }

    [Fact]
    public void Other_conditions_under_pressure_do_not_change_the_status()
    {
        var node = Node(conditions: [("Ready", "True"), ("MemoryPressure", "True"), ("DiskPressure", "True"), ("PIDPressure", "True")]);

        Assert.Equal("Ready", NodePrinter.Status(node));
    }

    [Fact]
    public void Roles_come_from_node_role_label_suffixes_whatever_their_value_sorted()
    {
        var node = Node(new Dictionary<string, string>
        {
            ["node-role.kubernetes.io/worker"] = "",
            ["node-role.kubernetes.io/control-plane"] = "",
            ["node-role.kubernetes.io/infra"] = "true",
            ["kubernetes.io/hostname"] = "n1",
        });

        Assert.Equal(["control-plane", "infra", "worker"], NodePrinter.Roles(node));
        Assert.Equal("control-plane,infra,worker", NodePrinter.RolesText(node));
    }

    [Fact]
    public void Roles_take_the_value_of_kubernetes_io_role_and_merge_duplicates()
    {
        var node = Node(new Dictionary<string, string>
        {
            ["kubernetes.io/role"] = "master",
            ["node-role.kubernetes.io/master"] = "",
            ["node-role.kubernetes.io/etcd"] = "",
        });

        Assert.Equal("etcd,master", NodePrinter.RolesText(node));
    }

    [Theory]
    [InlineData("node-role.kubernetes.io/", "")]          // empty suffix names no role
    [InlineData("kubernetes.io/role", "")]                // empty value names no role
    [InlineData("node-role.kubernetes.io", "worker")]     // no slash: not the role prefix
    [InlineData("example.com/node-role.kubernetes.io/x", "")]
    public void Roles_are_none_for_labels_that_name_no_role(string key, string value)
    {
        var node = Node(new Dictionary<string, string> { [key] = value });

        Assert.Empty(NodePrinter.Roles(node));
        Assert.Equal("<none>", NodePrinter.RolesText(node));
    }

    [Fact]
    public void Roles_sort_ordinally_as_go_strings_do()
    {
        var node = Node(new Dictionary<string, string>
        {
            ["node-role.kubernetes.io/b"] = "",
            ["node-role.kubernetes.io/B"] = "",
            ["node-role.kubernetes.io/a"] = "",
        });

        Assert.Equal("B,a,b", NodePrinter.RolesText(node));
    }

    [Fact]
    public void Addresses_are_the_first_of_each_type_or_null()
    {
        var node = Node();
        node.Status.Addresses =
        [
            new V1NodeAddress { Type = "Hostname", Address = "n1" },
            new V1NodeAddress { Type = "InternalIP", Address = "10.0.0.5" },
            new V1NodeAddress { Type = "InternalIP", Address = "10.0.0.6" },
        ];

        Assert.Equal("10.0.0.5", NodePrinter.InternalIP(node));
        Assert.Null(NodePrinter.ExternalIP(node));
        node.Status.Addresses.Add(new V1NodeAddress { Type = "ExternalIP", Address = "203.0.113.7" });
        Assert.Equal("203.0.113.7", NodePrinter.ExternalIP(node));
    }

    [Fact]
    public void KNode_carries_the_wide_columns_and_the_object()
    {
        var node = Node(new Dictionary<string, string> { ["node-role.kubernetes.io/control-plane"] = "", ["gpu"] = "true" },
            unschedulable: true, conditions: [("Ready", "True")]);
        node.Metadata.CreationTimestamp = DateTime.UtcNow.AddMinutes(-5);
        node.Spec.Taints = [new V1Taint { Key = "node-role.kubernetes.io/control-plane", Effect = "NoSchedule" }, new V1Taint { Key = "k", Value = "v", Effect = "NoExecute" }];
        node.Status.NodeInfo = new V1NodeSystemInfo
        {
            KubeletVersion = "v1.32.0", OsImage = "Ubuntu 24.04.1 LTS", KernelVersion = "6.8.0", ContainerRuntimeVersion = "containerd://1.7.24",
        };
        node.Status.Addresses = [new V1NodeAddress { Type = "InternalIP", Address = "10.0.0.10" }];

        var k = KNode.From(node);

        Assert.Equal("Ready,SchedulingDisabled", k.Status);
        Assert.True(k.IsReady);
        Assert.True(k.Unschedulable);
        Assert.Equal("control-plane", k.RolesText);
        Assert.Equal("5m", k.Age);
        Assert.Equal("v1.32.0", k.Version);
        Assert.Equal("10.0.0.10", k.InternalIP);
        Assert.Null(k.ExternalIP);
        Assert.Equal("Ubuntu 24.04.1 LTS", k.OSImage);
        Assert.Equal("6.8.0", k.KernelVersion);
        Assert.Equal("containerd://1.7.24", k.ContainerRuntime);
        Assert.Equal("gpu=true,node-role.kubernetes.io/control-plane=", k.LabelsText);
        Assert.Equal(["node-role.kubernetes.io/control-plane:NoSchedule", "k=v:NoExecute"], k.Taints);
        Assert.Same(node, k.Object);
    }

    [Fact]
    public void Labels_text_is_none_without_labels()
    {
        Assert.Equal("<none>", LabelsText.Format(null));
        Assert.Equal("<none>", LabelsText.Format(new Dictionary<string, string>()));
    }
}
