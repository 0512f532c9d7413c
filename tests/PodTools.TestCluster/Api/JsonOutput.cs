using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PodTools.TestCluster.Semantics;
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

    /// <summary>
    /// Writes one object; as a meta.k8s.io PartialObjectMetadata (metadata only) when Accept asks for it, as the API
    /// server does for get, create, update, patch and delete alike.
    /// </summary>
    public static async Task WriteStoredAsync(HttpContext context, int statusCode, StoredObject stored)
    {
        if (AcceptsAs(context, "PartialObjectMetadata"))
        {
            await WriteAsync(context, statusCode, TableConverter.PartialObjectMetadata(stored.Object));
            return;
        }

        context.Response.StatusCode = statusCode;
        context.Response.ContentType = ContentType;
        context.Response.ContentLength = stored.FullJson.Length;
        await context.Response.Body.WriteAsync(stored.FullJson, context.RequestAborted);
    }

    /// <summary>
    /// True when a media type in Accept asks for the meta.k8s.io transformation <paramref name="kind"/> (as=Table,
    /// as=PartialObjectMetadata) in version v1 or v1beta1.
    /// </summary>
    public static bool AcceptsAs(HttpContext context, string kind)
    {
        foreach (var accept in context.Request.Headers.Accept)
        {
            if (accept is null) continue;
            foreach (var mediaType in accept.Split(','))
            {
                var parameters = mediaType.Split(';').Select(p => p.Trim()).ToList();
                if (parameters.Contains("as=" + kind) && parameters.Contains("g=meta.k8s.io") && (parameters.Contains("v=v1") || parameters.Contains("v=v1beta1")))
                {
                    return true;
                }
            }
        }
        return false;
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
