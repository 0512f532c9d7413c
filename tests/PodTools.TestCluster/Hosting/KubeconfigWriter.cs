using System.Text;

namespace PodTools.TestCluster.Hosting;

/// <summary>Writes the kubeconfig the contract describes: cluster podtools-test and the admin, viewer, cert-admin and bad-token users.</summary>
internal static class KubeconfigWriter
{
    public const string ClusterName = "podtools-test";

    public static void Write(string path, string serverUrl, ClusterCertificates certificates, Authenticator authenticator)
    {
        static string Base64(string pem) => Convert.ToBase64String(Encoding.ASCII.GetBytes(pem));
        var users = new (string Name, string[] Fields)[]
        {
            ("admin", [$"token: {authenticator.AdminToken}"]),
            ("viewer", [$"token: {authenticator.ViewerToken}"]),
            ("cert-admin", [$"client-certificate-data: {Base64(certificates.ClientCertificatePem)}", $"client-key-data: {Base64(certificates.ClientKeyPem)}"]),
            ("bad-token", [$"token: {authenticator.RejectedToken}"]),
        };

        var yaml = new StringBuilder();
        yaml.Append("apiVersion: v1\nkind: Config\nclusters:\n");
        yaml.Append($"- name: {ClusterName}\n  cluster:\n    server: {serverUrl}\n    certificate-authority-data: {Base64(certificates.CaPem)}\n");
        yaml.Append("contexts:\n");
        foreach (var (name, _) in users)
        {
            yaml.Append($"- name: {name}\n  context:\n    cluster: {ClusterName}\n    user: {name}\n    namespace: default\n");
        }
        yaml.Append("current-context: admin\npreferences: {}\nusers:\n");
        foreach (var (name, fields) in users)
        {
            yaml.Append($"- name: {name}\n  user:\n");
            foreach (var field in fields) yaml.Append($"    {field}\n");
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        File.WriteAllText(path, yaml.ToString());
        if (!OperatingSystem.IsWindows())
        {
            // It holds credentials; kubectl warns about group/world-readable kubeconfigs.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
