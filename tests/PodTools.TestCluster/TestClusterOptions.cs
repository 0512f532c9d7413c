namespace PodTools.TestCluster;

/// <summary>How to start a test cluster (in-process, or through the command line's matching options).</summary>
public sealed class TestClusterOptions
{
    /// <summary>0 = any free port on 127.0.0.1.</summary>
    public int Port { get; set; } = 0;

    /// <summary>Where to write the kubeconfig; default: &lt;WorkDirectory&gt;/kubeconfig.</summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>Container working directories live here; default: a new temporary directory, removed on dispose.</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>&gt;1 speeds up kubelet, scheduler and grace-period delays.</summary>
    public double TimeScale { get; set; } = 1;

    /// <summary>Added to every API request (a simulated network round trip).</summary>
    public int LatencyMs { get; set; } = 0;
}
