namespace PodTools.Engine.Errors;

/// <summary>
/// What a request was about, so a translated error can name the server, the context and the object.
/// </summary>
public sealed record RequestScope(string Server, string Context)
{
    /// <summary>Singular kind of the object the request addressed ("pod", "namespace"), if any.</summary>
    public string? Kind { get; init; }

    public string? Name { get; init; }

    public string? Namespace { get; init; }

    public RequestScope For(string kind, string? name, string? @namespace = null) =>
        this with { Kind = kind, Name = name, Namespace = @namespace };
}
