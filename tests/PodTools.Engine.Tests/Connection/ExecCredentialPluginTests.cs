using k8s.KubeConfigModels;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;

namespace PodTools.Engine.Tests.Connection;

public sealed class ExecCredentialPluginTests : IDisposable
{
    private readonly KubeconfigTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private sealed class RecordingHost : IEngineHost
    {
        public List<string> Warnings { get; } = [];
        public List<string> Other { get; } = [];
        public void WriteWarning(string message) { lock (Warnings) { Warnings.Add(message); } }
        public void WriteVerbose(string message) { lock (Other) { Other.Add(message); } }
        public void WriteDebug(string message) { lock (Other) { Other.Add(message); } }
    }

    private ExternalExecution Plugin(string script)
    {
        string path = _files.Write("plugin.sh", "#!/bin/sh\n" + script);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return new ExternalExecution
        {
            ApiVersion = "client.authentication.k8s.io/v1",
            Command = path,
            Arguments = ["--flag", "value with space"],
            EnvironmentVariables = [new Dictionary<string, string> { ["name"] = "PLUGIN_MODE", ["value"] = "token" }],
        };
    }

    [Fact]
    public async Task PassesArgsAndEnvReturnsTheTokenAndShowsStderrAsWarnings()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // the fake plugin is a POSIX shell script
        }

        var exec = Plugin("""
            echo "plugin says hello ($1 $2 $PLUGIN_MODE)" >&2
            case "$KUBERNETES_EXEC_INFO" in *ExecCredential*) ;; *) exit 3 ;; esac
            echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-secret-token"}}'
            """);
        var host = new RecordingHost();
        var plugin = new ExecCredentialPlugin(exec, "ctx");

        ExecCredential credential;
        using (EngineHostScope.Enter(host))
        {
            credential = await plugin.GetCredentialAsync(default);
        }

        Assert.Equal("exec-secret-token", credential.Token);
        Assert.Equal(["plugin.sh: plugin says hello (--flag value with space token)"], host.Warnings);
        Assert.DoesNotContain(host.Other.Concat(host.Warnings), m => m.Contains("exec-secret-token"));
    }

    [Fact]
    public async Task CachesTheCredentialUntilItExpires()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string counter = Path.Combine(_files.Directory, "runs");
        var exec = Plugin($"echo run >> '{counter}'\n" + """
            echo '{"kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"2999-01-01T00:00:00Z"}}'
            """);
        var plugin = new ExecCredentialPlugin(exec, "ctx");

        await plugin.GetCredentialAsync(default);
        await plugin.GetCredentialAsync(default);

        Assert.Single(File.ReadAllLines(counter));
    }

    [Fact]
    public async Task AFailingPluginIsExecPluginFailedWithoutItsOutput()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var exec = Plugin("echo 'not json, maybe secret-ish'; exit 0\n");
        var plugin = new ExecCredentialPlugin(exec, "ctx");

        var error = await Assert.ThrowsAsync<KubeEngineException>(() => plugin.GetCredentialAsync(default));

        Assert.Equal("ExecPluginFailed", error.ErrorId);
        Assert.Equal(KubeErrorCategory.AuthenticationError, error.Category);
        Assert.DoesNotContain("secret-ish", error.Message);
    }
}
