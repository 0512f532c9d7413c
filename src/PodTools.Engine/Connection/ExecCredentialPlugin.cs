using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using k8s.Authentication;
using k8s.KubeConfigModels;
using PodTools.Engine.Errors;

namespace PodTools.Engine.Connection;

/// <summary>What an exec credential plugin returned (status of its ExecCredential).</summary>
internal sealed record ExecCredential(string? Token, DateTimeOffset? Expires, string? ClientCertificateData, string? ClientKeyData);

/// <summary>
/// Runs a kubeconfig exec credential plugin (users[].user.exec) the way kubectl does: command, args and env,
/// KUBERNETES_EXEC_INFO on its environment, the ExecCredential read from stdout. Each line the plugin writes to
/// stderr goes to the current engine host as a warning; stdout (the credential) is never shown.
/// </summary>
internal sealed class ExecCredentialPlugin : ITokenProvider
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(1);
    private readonly ExternalExecution _exec;
    private readonly string _contextName;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private ExecCredential? _cached;

    public ExecCredentialPlugin(ExternalExecution exec, string contextName)
    {
        _exec = exec;
        _contextName = contextName;
    }

    public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
    {
        var credential = await GetCredentialAsync(cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(credential.Token))
        {
            throw new KubeEngineException("ExecPluginFailed", KubeErrorCategory.AuthenticationError,
                $"The exec credential plugin '{_exec.Command}' of context '{_contextName}' returned no token.", _contextName);
        }

        return new AuthenticationHeaderValue("Bearer", credential.Token);
    }

    /// <summary>Returns the cached credential, running the plugin again once it has expired.</summary>
    public async Task<ExecCredential> GetCredentialAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cached is { } cached && (cached.Expires is null || cached.Expires > DateTimeOffset.UtcNow.AddSeconds(10)))
            {
                return cached;
            }

            _cached = await RunAsync(cancellationToken).ConfigureAwait(false);
            return _cached;
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<ExecCredential> RunAsync(CancellationToken cancellationToken)
    {
        IEngineHost host = EngineHostScope.Current;
        var start = new ProcessStartInfo(_exec.Command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (string argument in _exec.Arguments ?? [])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var variable in _exec.EnvironmentVariables ?? [])
        {
            if (variable.TryGetValue("name", out string? name) && !string.IsNullOrEmpty(name))
            {
                start.Environment[name] = variable.TryGetValue("value", out string? value) ? value : "";
            }
        }

        string apiVersion = string.IsNullOrEmpty(_exec.ApiVersion) ? "client.authentication.k8s.io/v1" : _exec.ApiVersion;
        start.Environment["KUBERNETES_EXEC_INFO"] = JsonSerializer.Serialize(new
        {
            apiVersion,
            kind = "ExecCredential",
            spec = new { interactive = false },
        });

        host.WriteVerbose($"Running the exec credential plugin '{_exec.Command}' for context '{_contextName}'.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_timeout);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("the process did not start");
        }
        catch (Exception error) when (error is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            string hint = string.IsNullOrEmpty(_exec.InstallHint) ? "" : " " + _exec.InstallHint.Trim();
            throw new KubeEngineException("ExecPluginFailed", KubeErrorCategory.AuthenticationError,
                $"The exec credential plugin '{_exec.Command}' of context '{_contextName}' could not be started: {error.Message}.{hint}",
                _contextName, error);
        }

        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = Task.Run(async () =>
            {
                while (await process.StandardError.ReadLineAsync(timeout.Token).ConfigureAwait(false) is { } line)
                {
                    if (line.Length > 0)
                    {
                        host.WriteWarning($"{Path.GetFileName(_exec.Command)}: {line}");
                    }
                }
            }, timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                if (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }

                throw new KubeEngineException("ExecPluginFailed", KubeErrorCategory.OperationTimeout,
                    $"The exec credential plugin '{_exec.Command}' of context '{_contextName}' did not finish within {s_timeout.TotalSeconds:0} seconds.",
                    _contextName);
            }

            if (process.ExitCode != 0)
            {
                throw new KubeEngineException("ExecPluginFailed", KubeErrorCategory.AuthenticationError,
                    $"The exec credential plugin '{_exec.Command}' of context '{_contextName}' exited with code {process.ExitCode}.",
                    _contextName);
            }

            return Parse(await stdout.ConfigureAwait(false));
        }
    }

    private ExecCredential Parse(string output)
    {
        try
        {
            using var document = JsonDocument.Parse(output);
            if (!document.RootElement.TryGetProperty("status", out var status))
            {
                throw new JsonException("no status");
            }

            string? Text(string name) => status.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
            DateTimeOffset? expires = Text("expirationTimestamp") is { } stamp && DateTimeOffset.TryParse(stamp, out var parsed)
                ? parsed
                : null;
            return new ExecCredential(Text("token"), expires, Text("clientCertificateData"), Text("clientKeyData"));
        }
        catch (JsonException)
        {
            // Deliberately no detail: the output is a credential.
            throw new KubeEngineException("ExecPluginFailed", KubeErrorCategory.AuthenticationError,
                $"The exec credential plugin '{_exec.Command}' of context '{_contextName}' did not print a valid ExecCredential.",
                _contextName);
        }
    }

    /// <summary>kubeconfig *-data fields are base64 of the PEM text; exec plugins return the PEM itself.</summary>
    internal static string ToBase64(string pem) => Convert.ToBase64String(Encoding.UTF8.GetBytes(pem));
}
