using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PodTools.TestCluster.Semantics;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Api;

internal sealed partial class ApiServer
{
    private const string UnsupportedPatchMessage =
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, " +
        "application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json";

    private async Task CreateAsync(HttpContext context, ApiRequest request)
    {
        if (request.Subresource is not null) throw StatusException.MethodNotAllowed();
        var dryRun = IsDryRun(context, "CreateOptions");
        var type = request.Type;
        var obj = await ReadObjectAsync(context, type);
        UnknownFields.Check(context, type, obj);
        var metadata = Metadata(obj);
        if (type.Namespaced)
        {
            var bodyNamespace = (string?)metadata["namespace"];
            if (!string.IsNullOrEmpty(bodyNamespace) && bodyNamespace != request.Namespace)
            {
                throw StatusException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            metadata["namespace"] = request.Namespace;
            // NamespaceLifecycle admission answers before validation; the store checks again atomically.
            var ns = _store.Find(ResourceTypes.Namespaces, null, request.Namespace!) ?? throw StatusException.NotFound("namespaces", request.Namespace!);
            if (ns.IsTerminating)
            {
                throw StatusException.Forbidden(type.Plural, (string?)metadata["name"],
                    $"unable to create new content in namespace {request.Namespace} because it is being terminated");
            }
        }
        if (string.IsNullOrEmpty((string?)metadata["name"]) && (string?)metadata["generateName"] is { Length: > 0 } prefix)
        {
            // The registry names the object before validating it, so errors quote the generated name.
            metadata["name"] = prefix + ClusterStore.NameSuffix();
        }

        if (ReferenceEquals(type, ResourceTypes.Pods)) ApiDefaults.ApplyToPod(obj);
        else if (ReferenceEquals(type, ResourceTypes.Namespaces)) ApiDefaults.ApplyToNamespace(obj);
        // Round-trip through JSON so that defaulted numbers read back like parsed ones in the validators.
        obj = (JsonObject)JsonNode.Parse(obj.ToJsonString())!;
        ThrowIfInvalid(type, obj, ValidateCreate(type, obj));

        var stored = _store.CreateStored(type, obj, dryRun);
        await JsonOutput.WriteStoredAsync(context, 201, stored);
    }

    private async Task UpdateAsync(HttpContext context, ApiRequest request)
    {
        var dryRun = IsDryRun(context, "UpdateOptions");
        var type = request.Type;
        var obj = await ReadObjectAsync(context, type);
        UnknownFields.Check(context, type, obj);
        var metadata = Metadata(obj);
        var bodyName = (string?)metadata["name"] ?? "";
        if (bodyName != request.Name)
        {
            throw StatusException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({request.Name})");
        }
        if (type.Namespaced)
        {
            var bodyNamespace = (string?)metadata["namespace"];
            if (!string.IsNullOrEmpty(bodyNamespace) && bodyNamespace != request.Namespace)
            {
                throw StatusException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            metadata["namespace"] = request.Namespace;
        }

        var stored = _store.UpdateStored(type, request.Namespace, request.Name!, current =>
        {
            CheckResourceVersion(type, request.Name!, current, (string?)metadata["resourceVersion"]);
            var updated = PrepareForUpdate(type, current, obj, request.Subresource);
            ThrowIfInvalid(type, updated, ValidateUpdate(type, current, updated, request.Subresource));
            return updated;
        }, dryRun)!;
        await JsonOutput.WriteStoredAsync(context, 200, stored);
    }

    private async Task PatchAsync(HttpContext context, ApiRequest request)
    {
        var dryRun = IsDryRun(context, "PatchOptions");
        var type = request.Type;
        var contentType = (context.Request.ContentType ?? "").Split(';')[0].Trim();
        if (!Patches.IsSupported(contentType)) throw new StatusException(415, "UnsupportedMediaType", UnsupportedPatchMessage);
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);

        var stored = _store.UpdateStored(type, request.Namespace, request.Name!, current =>
        {
            JsonObject patched;
            try
            {
                patched = Patches.Apply(current, contentType, body);
            }
            catch (PatchException e)
            {
                throw new StatusException(e.StatusCode, PatchFailureReason(e.StatusCode), e.Message);
            }
            UnknownFields.Check(context, type, patched);
            // A resourceVersion inside the patch is a precondition, as in kube-apiserver.
            CheckResourceVersion(type, request.Name!, current, (string?)patched["metadata"]?["resourceVersion"]);
            var updated = PrepareForUpdate(type, current, patched, request.Subresource);
            ThrowIfInvalid(type, updated, ValidateUpdate(type, current, updated, request.Subresource));
            return updated;
        }, dryRun)!;
        await JsonOutput.WriteStoredAsync(context, 200, stored);
    }

    private static string PatchFailureReason(int statusCode) => statusCode switch
    {
        400 => "BadRequest",
        409 => "Conflict",
        422 => "Invalid",
        500 => "InternalError",
        _ => "",
    };

    private static void CheckResourceVersion(ResourceType type, string name, JsonObject current, string? expected)
    {
        if (string.IsNullOrEmpty(expected)) return;
        if (expected != (string?)current["metadata"]?["resourceVersion"])
        {
            throw StatusException.Conflict(type.Plural, name, StatusException.ObjectModified);
        }
    }

    /// <summary>
    /// What the registry strategies keep from the stored object: the main resource cannot change status (nor a
    /// namespace's spec.finalizers); the status subresource changes nothing but status. Deletion fields always stay.
    /// </summary>
    private static JsonObject PrepareForUpdate(ResourceType type, JsonObject current, JsonObject proposed, string? subresource)
    {
        JsonObject updated;
        if (subresource == "status")
        {
            updated = (JsonObject)current.DeepClone();
            updated["status"] = proposed["status"]?.DeepClone();
        }
        else
        {
            updated = proposed;
            if (!ReferenceEquals(type, ResourceTypes.Events)) updated["status"] = current["status"]?.DeepClone();
            if (ReferenceEquals(type, ResourceTypes.Namespaces)) updated["spec"] = current["spec"]?.DeepClone();
        }
        var metadata = Metadata(updated);
        var currentMetadata = (JsonObject)current["metadata"]!;
        foreach (var key in new[] { "deletionTimestamp", "deletionGracePeriodSeconds" })
        {
            if (currentMetadata[key] is { } value) metadata[key] = value.DeepClone(); else metadata.Remove(key);
        }
        if (string.IsNullOrEmpty((string?)metadata["uid"])) metadata["uid"] = currentMetadata["uid"]?.DeepClone();
        if (ReferenceEquals(type, ResourceTypes.Namespaces) && (string?)currentMetadata["name"] is { } nsName)
        {
            // The API server keeps this label equal to the namespace name whatever the update says.
            if (metadata["labels"] is not JsonObject labels) metadata["labels"] = labels = new JsonObject();
            labels["kubernetes.io/metadata.name"] = nsName;
        }
        return updated;
    }

    private static IReadOnlyList<StatusCause> ValidateCreate(ResourceType type, JsonObject obj)
    {
        if (ReferenceEquals(type, ResourceTypes.Pods)) return ObjectValidator.ValidatePod(obj, isCreate: true);
        if (ReferenceEquals(type, ResourceTypes.Namespaces)) return ObjectValidator.ValidateNamespace(obj);
        if (ReferenceEquals(type, ResourceTypes.Nodes)) return ObjectValidator.ValidateNode(obj);
        return [];
    }

    private static IReadOnlyList<StatusCause> ValidateUpdate(ResourceType type, JsonObject current, JsonObject updated, string? subresource)
    {
        if (subresource is not null) return [];
        if (ReferenceEquals(type, ResourceTypes.Pods)) return ObjectValidator.ValidatePodUpdate(current, updated);
        return ValidateCreate(type, updated);
    }

    private static void ThrowIfInvalid(ResourceType type, JsonObject obj, IReadOnlyList<StatusCause> causes)
    {
        if (causes.Count > 0) throw StatusException.Invalid(type.Kind, (string?)obj["metadata"]?["name"] ?? "", causes);
    }

    private static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject metadata) return metadata;
        obj["metadata"] = metadata = new JsonObject();
        return metadata;
    }

    /// <summary>dryRun=All; any other value is refused as the API server refuses it, naming the verb's options kind.</summary>
    private static bool IsDryRun(HttpContext context, string optionsKind)
    {
        var values = context.Request.Query["dryRun"];
        foreach (var value in values)
        {
            if (value != "All")
            {
                throw StatusException.Invalid(optionsKind + ".meta.k8s.io", "",
                    [new StatusCause("FieldValueNotSupported", $"Unsupported value: \"{value}\": supported values: \"All\"", "dryRun")]);
            }
        }
        return values.Count > 0;
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context, ResourceType type)
    {
        var contentType = (context.Request.ContentType ?? "").Split(';')[0].Trim();
        if (contentType == ProtobufBody.MediaType)
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            return ProtobufBody.Decode(buffer.ToArray(), type);
        }
        JsonNode? node;
        try
        {
            node = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException e)
        {
            throw StatusException.BadRequest($"couldn't get version/kind; json parse error: {e.Message}");
        }
        if (node is not JsonObject obj) throw StatusException.BadRequest("couldn't get version/kind; json parse error: the body is not a JSON object");

        var apiVersion = (string?)obj["apiVersion"];
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != "v1")
        {
            throw StatusException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version (v1)");
        }
        var kind = (string?)obj["kind"];
        if (!string.IsNullOrEmpty(kind) && kind != type.Kind)
        {
            throw StatusException.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        }
        return obj;
    }
}
