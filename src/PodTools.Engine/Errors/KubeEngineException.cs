namespace PodTools.Engine.Errors;

/// <summary>
/// An engine failure with a stable error id and category; the cmdlet layer turns it into an ErrorRecord.
/// Messages never contain credentials.
/// </summary>
public sealed class KubeEngineException : Exception
{
    public KubeEngineException(string errorId, KubeErrorCategory category, string message,
        object? target = null, Exception? innerException = null, int? statusCode = null, string? reason = null)
        : base(message, innerException)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
        StatusCode = statusCode;
        Reason = reason;
    }

    /// <summary>Stable id, e.g. <c>PodNotFound</c>, <c>Unauthorized</c>, <c>ClusterUnreachable</c>.</summary>
    public string ErrorId { get; }

    public KubeErrorCategory Category { get; }

    /// <summary>What the error is about: a pod name, a context name, the input that was refused.</summary>
    public object? Target { get; }

    /// <summary>HTTP status code when the API server answered.</summary>
    public int? StatusCode { get; }

    /// <summary>The server's Status.reason (NotFound, Forbidden, ...) when it sent one.</summary>
    public string? Reason { get; }
}
