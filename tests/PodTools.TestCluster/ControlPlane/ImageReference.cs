namespace PodTools.TestCluster.ControlPlane;

/// <summary>How the simulated runtime treats an image: its containerd-normalised name and the test failure mode its tag selects.</summary>
public sealed class ImageReference
{
    public enum Mode { Normal, Crash, Missing, Slow, ExitZero }

    public ImageReference(string image)
    {
        Original = image;
        var lastSlash = image.LastIndexOf('/');
        var lastSegment = image[(lastSlash + 1)..];
        var tagStart = lastSegment.IndexOf(':');
        var tag = lastSegment.Contains('@') ? null : tagStart < 0 ? null : lastSegment[(tagStart + 1)..];
        FailureMode = tag switch
        {
            "crash" => Mode.Crash,
            "missing" => Mode.Missing,
            "slow" => Mode.Slow,
            "exit0" => Mode.ExitZero,
            _ => Mode.Normal,
        };
        var repository = tagStart < 0 || lastSegment.Contains('@') ? image : image[..(lastSlash + 1 + tagStart)];
        // containerd's reference normalisation: a bare name lives in docker.io/library, a first segment without
        // '.' or ':' (and not localhost) is a Docker Hub user.
        var firstSlash = repository.IndexOf('/');
        var first = firstSlash < 0 ? "" : repository[..firstSlash];
        if (firstSlash < 0) repository = "docker.io/library/" + repository;
        else if (!first.Contains('.') && !first.Contains(':') && first != "localhost") repository = "docker.io/" + repository;
        Repository = repository;
        Normalized = lastSegment.Contains('@') ? repository : repository + ":" + (tag ?? "latest");
        ImageId = repository + "@sha256:" + Hex.Sha256(Normalized);
    }

    public string Original { get; }
    public Mode FailureMode { get; }

    /// <summary>docker.io/library/nginx</summary>
    public string Repository { get; }

    /// <summary>docker.io/library/nginx:latest, as containerd reports status.containerStatuses[].image.</summary>
    public string Normalized { get; }

    /// <summary>A stable digest reference, as status.containerStatuses[].imageID.</summary>
    public string ImageId { get; }
}

internal static class Hex
{
    public static string Sha256(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));

    public static string Random(int bytes) => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(bytes));
}
