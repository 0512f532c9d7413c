using System.Diagnostics;
using System.Text.RegularExpressions;

namespace PodTools.TestCluster.Tests;

public sealed class StandaloneProcessTests
{
    [Fact]
    public async Task Prints_one_READY_line_writes_the_kubeconfig_and_exits_when_stdin_closes()
    {
        var workDirectory = Directory.CreateTempSubdirectory("podtools-standalone-").FullName;
        try
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(typeof(TestClusterHost).Assembly.Location);
            start.ArgumentList.Add("--workdir");
            start.ArgumentList.Add(workDirectory);
            start.ArgumentList.Add("--time-scale");
            start.ArgumentList.Add("10");
            using var process = Process.Start(start)!;
            try
            {
                var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
                var match = Regex.Match(line ?? "", @"^TESTCLUSTER READY kubeconfig=(?<path>\S+) server=(?<url>https://127\.0\.0\.1:\d+)$");
                if (!match.Success)
                {
                    process.Kill(entireProcessTree: true);
                    Assert.Fail($"unexpected first line: {line}; stderr: {await process.StandardError.ReadToEndAsync()}");
                }
                var kubeconfig = await File.ReadAllTextAsync(match.Groups["path"].Value);
                Assert.Contains("certificate-authority-data:", kubeconfig);
                Assert.DoesNotContain("insecure-skip-tls-verify", kubeconfig);
                Assert.Contains("current-context: admin", kubeconfig);
                foreach (var user in new[] { "admin", "viewer", "cert-admin", "bad-token" }) Assert.Contains($"- name: {user}\n", kubeconfig);
                Assert.Contains("client-certificate-data:", kubeconfig);
                Assert.Contains($"server: {match.Groups["url"].Value}", kubeconfig);

                process.StandardInput.Close();
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
                Assert.Equal(0, process.ExitCode);
                Assert.Equal("", await process.StandardOutput.ReadToEndAsync());
            }
            finally
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            Directory.Delete(workDirectory, recursive: true);
        }
    }
}
