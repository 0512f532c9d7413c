using System.Text.Json.Nodes;
using PodTools.TestCluster.Semantics;

namespace PodTools.TestCluster.Store;

/// <summary>
/// An API failure carrying the metav1.Status the server answers with. Factory methods word their messages
/// exactly as kube-apiserver's k8s.io/apimachinery/pkg/api/errors does.
/// </summary>
public sealed class StatusException : Exception
{
    public StatusException(int code, string reason, string message, JsonObject? details = null, int? retryAfterSeconds = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
        RetryAfterSeconds = retryAfterSeconds;
    }

    public int Code { get; }
    public string Reason { get; }
    public JsonObject? Details { get; }
    public int? RetryAfterSeconds { get; }

    /// <summary>The Status body, field for field in kube-apiserver's order.</summary>
    public JsonObject ToStatus() => BuildStatus(Code, Reason, Message, Details?.DeepClone().AsObject());

    public static JsonObject BuildStatus(int code, string reason, string message, JsonObject? details)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
        };
        if (reason.Length > 0) status["reason"] = reason;
        if (details is not null) status["details"] = details;
        status["code"] = code;
        return status;
    }

    private static JsonObject NameDetails(string resource, string? name)
    {
        var details = new JsonObject();
        if (!string.IsNullOrEmpty(name)) details["name"] = name;
        details["kind"] = resource;
        return details;
    }

    public static StatusException NotFound(string resource, string name) =>
        new(404, "NotFound", $"{resource} \"{name}\" not found", NameDetails(resource, name));

    public static StatusException AlreadyExists(string resource, string name) =>
        new(409, "AlreadyExists", $"{resource} \"{name}\" already exists", NameDetails(resource, name));

    public static StatusException Conflict(string resource, string name, string problem) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {resource} \"{name}\": {problem}", NameDetails(resource, name));

    public const string ObjectModified = "the object has been modified; please apply your changes to the latest version and try again";

    public static StatusException Forbidden(string resource, string? name, string problem) =>
        new(403, "Forbidden",
            string.IsNullOrEmpty(name) ? $"{resource} is forbidden: {problem}" : $"{resource} \"{name}\" is forbidden: {problem}",
            NameDetails(resource, name));

    public static StatusException BadRequest(string message) => new(400, "BadRequest", message);

    public static StatusException Invalid(string kind, string name, IReadOnlyList<StatusCause> causes)
    {
        var details = new JsonObject();
        if (name.Length > 0) details["name"] = name;
        details["kind"] = kind;
        details["causes"] = new JsonArray(causes.Select(c => (JsonNode)new JsonObject
        {
            ["reason"] = c.Reason,
            ["message"] = c.Message,
            ["field"] = c.Field,
        }).ToArray());
        return new StatusException(422, "Invalid", ObjectValidator.InvalidMessage(kind, name, causes), details);
    }

    public static StatusException Expired(string message) => new(410, "Expired", message);

    public static StatusException MethodNotAllowed() =>
        new(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");

    public static StatusException ResourceNotFound() =>
        new(404, "NotFound", "the server could not find the requested resource", new JsonObject());
}
