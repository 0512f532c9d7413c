using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace PodTools.Engine.Errors;

/// <summary>
/// Turns what KubernetesClient and HttpClient throw into <see cref="KubeEngineException"/> with a stable id,
/// keeping the API server's own message.
/// </summary>
public static class KubeErrorTranslator
{
    /// <summary>
    /// Translates <paramref name="error"/>; returns null for a cancellation the caller asked for
    /// (<paramref name="cancellation"/> is cancelled), which must propagate unchanged.
    /// </summary>
    public static KubeEngineException? Translate(Exception error, RequestScope scope, CancellationToken cancellation = default)
    {
        if (error is KubeEngineException already)
        {
            return already;
        }

        if (error is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            return Translate(aggregate.InnerExceptions[0], scope, cancellation);
        }

        if (error is OperationCanceledException && cancellation.IsCancellationRequested)
        {
            return null;
        }

        if (error is HttpOperationException { Request.Headers: { } requestHeaders })
        {
            // The client copies the request headers into the exception, bearer token included; the exception
            // travels on as the ErrorRecord's inner exception, where Get-Error would print it.
            requestHeaders.Remove("Authorization");
        }

        return error switch
        {
            HttpOperationException http => FromStatus((int)http.Response.StatusCode, ParseStatus(http.Response?.Content),
                http.Response?.ReasonPhrase, scope, http),
            KubernetesException kube when kube.Status is not null => FromStatus(kube.Status.Code ?? 0, kube.Status, null, scope, kube),
            HttpRequestException request => FromTransport(request, scope),
            OperationCanceledException timeout => new KubeEngineException("RequestTimeout", KubeErrorCategory.OperationTimeout,
                $"The request to {scope.Server} (context '{scope.Context}') timed out.", scope.Name ?? (object)scope.Server, timeout),
            TimeoutException timeout => new KubeEngineException("RequestTimeout", KubeErrorCategory.OperationTimeout,
                $"The request to {scope.Server} (context '{scope.Context}') timed out.", scope.Name ?? (object)scope.Server, timeout),
            _ => null,
        } ?? new KubeEngineException("KubernetesError", KubeErrorCategory.NotSpecified, error.Message, scope.Name, error);
    }

    /// <summary>Builds the error for an API status answer (code and optional Status body).</summary>
    public static KubeEngineException FromStatus(int code, V1Status? status, string? reasonPhrase, RequestScope scope, Exception? inner = null)
    {
        string reason = status?.Reason ?? "";
        string serverMessage = !string.IsNullOrWhiteSpace(status?.Message)
            ? status!.Message
            : $"The server answered {code} {reasonPhrase}".TrimEnd();
        object? target = scope.Name ?? status?.Details?.Name;

        switch (code)
        {
            case 401:
                return new KubeEngineException("Unauthorized", KubeErrorCategory.AuthenticationError,
                    $"The server {scope.Server} rejected the credentials of context '{scope.Context}': {serverMessage}",
                    scope.Context, inner, code, reason);
            case 403:
                return new KubeEngineException("Forbidden", KubeErrorCategory.PermissionDenied, serverMessage, target, inner, code, reason);
            case 404:
                string kind = SingularKind(status?.Details?.Kind) ?? scope.Kind ?? "Object";
                return new KubeEngineException($"{Pascal(kind)}NotFound", KubeErrorCategory.ObjectNotFound, serverMessage,
                    target, inner, code, reason);
            case 409 when reason == "AlreadyExists":
                return new KubeEngineException("AlreadyExists", KubeErrorCategory.ResourceExists, serverMessage, target, inner, code, reason);
            case 409:
                return new KubeEngineException("Conflict", KubeErrorCategory.ResourceBusy, serverMessage, target, inner, code, reason);
            case 410:
                return new KubeEngineException("Expired", KubeErrorCategory.InvalidOperation, serverMessage, target, inner, code, reason);
            case 400 or 422:
                return new KubeEngineException(code == 422 ? "Invalid" : "BadRequest", KubeErrorCategory.InvalidData,
                    WithCauses(serverMessage, status), target, inner, code, reason);
            case 429:
                return new KubeEngineException("TooManyRequests", KubeErrorCategory.LimitsExceeded, serverMessage, target, inner, code, reason);
            case 504:
                return new KubeEngineException("RequestTimeout", KubeErrorCategory.OperationTimeout, serverMessage, target, inner, code, reason);
            case >= 500:
                return new KubeEngineException("ServerError", KubeErrorCategory.ResourceUnavailable,
                    $"The server {scope.Server} answered {code}: {serverMessage}", target, inner, code, reason);
            default:
                return new KubeEngineException("KubernetesError", KubeErrorCategory.NotSpecified, serverMessage, target, inner, code, reason);
        }
    }

    private static KubeEngineException FromTransport(HttpRequestException request, RequestScope scope)
    {
        Exception innermost = request;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        bool tls = FindInner<AuthenticationException>(request) is not null;
        string detail = tls
            ? $"the TLS handshake failed ({innermost.Message})"
            : innermost is SocketException socket ? socket.Message : request.Message;
        return new KubeEngineException("ClusterUnreachable", KubeErrorCategory.ConnectionError,
            $"Cannot reach the Kubernetes API server {scope.Server} (context '{scope.Context}'): {detail}",
            scope.Server, request);
    }

    private static T? FindInner<T>(Exception error) where T : Exception
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static string WithCauses(string message, V1Status? status)
    {
        var causes = status?.Details?.Causes;
        if (causes is null || causes.Count == 0)
        {
            return message;
        }

        // The server's message usually lists the causes already; add any it left out.
        var missing = causes
            .Select(c => string.IsNullOrEmpty(c.Field) ? c.Message : $"{c.Field}: {c.Message}")
            .Where(text => !string.IsNullOrEmpty(text) && !message.Contains(text!, StringComparison.Ordinal))
            .ToList();
        return missing.Count == 0 ? message : message + " (" + string.Join("; ", missing) + ")";
    }

    internal static V1Status? ParseStatus(string? content)
    {
        if (string.IsNullOrWhiteSpace(content) || content.TrimStart()[0] != '{')
        {
            return null;
        }

        try
        {
            var status = KubernetesJson.Deserialize<V1Status>(content);
            return status?.Kind == "Status" || status?.Message is not null ? status : null;
        }
        catch (Exception)
        {
            return null;
        }
    }

    private static string? SingularKind(string? kind) => kind switch
    {
        null or "" => null,
        _ when kind.EndsWith('s') => kind[..^1],
        _ => kind,
    };

    private static string Pascal(string kind) => char.ToUpperInvariant(kind[0]) + kind[1..];
}
