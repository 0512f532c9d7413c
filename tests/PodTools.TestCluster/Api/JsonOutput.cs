using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Api;

/// <summary>Writes JSON responses the way the API server does (application/json, no indentation).</summary>
internal static class JsonOutput
{
    public const string ContentType = "application/json";

    /// <summary>Escapes like Go's encoding/json for quotes and control characters, leaving other text readable.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonSerializerOptions SerializerOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteAsync(HttpContext context, int statusCode, JsonNode body)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = ContentType;
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString(SerializerOptions));
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    public static async Task WriteStoredAsync(HttpContext context, int statusCode, StoredObject stored)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = ContentType;
        context.Response.ContentLength = stored.FullJson.Length;
        await context.Response.Body.WriteAsync(stored.FullJson, context.RequestAborted);
    }

    public static Task WriteStatusAsync(HttpContext context, StatusException error)
    {
        if (error.RetryAfterSeconds is int seconds) context.Response.Headers.RetryAfter = seconds.ToString();
        return WriteAsync(context, error.Code, error.ToStatus());
    }

    /// <summary>The Status a successful delete returns for resources that do not return the deleted object.</summary>
    public static JsonObject SuccessStatus(ResourceType type, string name, string uid) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Success",
        ["details"] = new JsonObject { ["name"] = name, ["kind"] = type.Plural, ["uid"] = uid },
    };
}
