namespace PodTools.Engine.Model;

/// <summary>
/// One container of a pod to create, as New-KContainerSpec makes it; New-KPod -Container turns it into a
/// Kubernetes container (name, image, command, args, ports, env, workingDir, imagePullPolicy).
/// </summary>
public sealed class KContainerSpec
{
    public required string Name { get; init; }

    public required string Image { get; init; }

    /// <summary>The entrypoint (container command); null keeps the image's own.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>Arguments to the entrypoint (container args).</summary>
    public IReadOnlyList<string>? Arguments { get; init; }

    /// <summary>Container ports (TCP).</summary>
    public IReadOnlyList<int> Ports { get; init; } = [];

    /// <summary>Environment variables in the order given.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = [];

    public string? WorkingDirectory { get; init; }

    /// <summary>Always, IfNotPresent or Never; null lets the server default it.</summary>
    public string? ImagePullPolicy { get; init; }

    public override string ToString() => $"{Name} ({Image})";

    /// <summary>The container as the Kubernetes API spells it, in the plain form the pod builder serializes.</summary>
    internal Dictionary<string, object?> ToPlain()
    {
        var container = new Dictionary<string, object?> { ["name"] = Name, ["image"] = Image };
        if (Command is { Count: > 0 })
        {
            container["command"] = Command.ToList();
        }

        if (Arguments is { Count: > 0 })
        {
            container["args"] = Arguments.ToList();
        }

        if (Ports.Count > 0)
        {
            container["ports"] = Ports.Select(p => (object?)new Dictionary<string, object?> { ["containerPort"] = p }).ToList();
        }

        if (Env.Count > 0)
        {
            container["env"] = Env.Select(e => (object?)new Dictionary<string, object?> { ["name"] = e.Key, ["value"] = e.Value }).ToList();
        }

        if (!string.IsNullOrEmpty(WorkingDirectory))
        {
            container["workingDir"] = WorkingDirectory;
        }

        if (!string.IsNullOrEmpty(ImagePullPolicy))
        {
            container["imagePullPolicy"] = ImagePullPolicy;
        }

        return container;
    }
}
