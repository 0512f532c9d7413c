using Microsoft.AspNetCore.Http;
using PodTools.TestCluster.Semantics;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Api;

/// <summary>The labelSelector and fieldSelector of a list, watch or deletecollection request.</summary>
internal sealed class ObjectFilter
{
    private static readonly string[] PodFields =
    [
        "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
        "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName",
    ];
    private static readonly string[] EventFields =
    [
        "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
        "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
        "reason", "reportingComponent", "source", "type",
    ];

    private readonly ResourceType _type;
    private readonly ServerLabelSelector _labels;
    private readonly ServerFieldSelector _fields;

    private ObjectFilter(ResourceType type, ServerLabelSelector labels, ServerFieldSelector fields)
    {
        _type = type;
        _labels = labels;
        _fields = fields;
    }

    public bool IsEmpty => _labels.IsEmpty && _fields.IsEmpty;

    /// <summary>Parses both selectors; a bad selector or an unsupported field is a 400 BadRequest, as kube-apiserver answers.</summary>
    public static ObjectFilter FromQuery(ResourceType type, IQueryCollection query)
    {
        ServerLabelSelector labels;
        ServerFieldSelector fields;
        try
        {
            labels = ServerLabelSelector.Parse(query["labelSelector"].ToString());
            fields = ServerFieldSelector.Parse(query["fieldSelector"].ToString());
        }
        catch (ServerSelectorException e)
        {
            throw StatusException.BadRequest(e.Message);
        }
        foreach (var term in fields.Terms)
        {
            if (!Supports(type, term.Field)) throw StatusException.BadRequest($"field label not supported: {term.Field}");
        }
        return new ObjectFilter(type, labels, fields);
    }

    public bool Matches(StoredObject obj) =>
        _labels.Matches(obj.Labels) && (_fields.IsEmpty || _fields.Matches(field => FieldValue(obj, field)));

    private static bool Supports(ResourceType type, string field)
    {
        if (field == "metadata.name") return true;
        if (field == "metadata.namespace") return type.Namespaced;
        if (ReferenceEquals(type, ResourceTypes.Pods)) return PodFields.Contains(field);
        if (ReferenceEquals(type, ResourceTypes.Events)) return EventFields.Contains(field);
        if (ReferenceEquals(type, ResourceTypes.Nodes)) return field == "spec.unschedulable";
        if (ReferenceEquals(type, ResourceTypes.Namespaces)) return field == "status.phase";
        return false;
    }

    /// <summary>The value a field selector compares, formatted as the API server's field set formats it.</summary>
    private static string? FieldValue(StoredObject obj, string field)
    {
        var o = obj.Object;
        switch (field)
        {
            case "metadata.name": return obj.Name;
            case "metadata.namespace": return obj.Namespace;
            case "spec.hostNetwork": return ((bool?)o["spec"]?["hostNetwork"] ?? false) ? "true" : "false";
            case "spec.unschedulable": return ((bool?)o["spec"]?["unschedulable"] ?? false) ? "true" : "false";
            case "status.podIPs":
                // Only the first IP is in the field set, like the pod registry's PodToSelectableFields.
                return (string?)o["status"]?["podIPs"]?[0]?["ip"];
            case "source": return (string?)o["source"]?["component"];
        }
        System.Text.Json.Nodes.JsonNode? node = o;
        foreach (var part in field.Split('.'))
        {
            node = (node as System.Text.Json.Nodes.JsonObject)?[part];
        }
        return node?.ToString();
    }
}
