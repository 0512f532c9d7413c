using k8s;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;

namespace PodTools.Engine.Connection;

/// <summary>
/// A ready Kubernetes client for one context of one kubeconfig, with what error messages and defaults need.
/// Obtained from <see cref="ConnectionCache"/>; engine services (e.g. PodService) take it.
/// </summary>
public sealed class KubeConnection : IDisposable
{
    private KubeConnection(IKubernetes client, KContext context, string server)
    {
        Client = client;
        Context = context;
        Server = server;
    }

    /// <summary>The KubernetesClient client. Only engine code uses it (the cmdlet assembly must not touch k8s types).</summary>
    public IKubernetes Client { get; }

    public KContext Context { get; }

    public string ContextName => Context.Name;

    /// <summary>The API server URL.</summary>
    public string Server { get; }

    /// <summary>The context's namespace, or "default".</summary>
    public string DefaultNamespace => Context.Namespace;

    /// <summary>The scope to translate errors with.</summary>
    public RequestScope Scope => new(Server, Context.Name);

    /// <summary>Builds a client from the merged kubeconfig, running an exec credential plugin if the user has one.</summary>
    public static async Task<KubeConnection> CreateAsync(KubeconfigSet kubeconfig, KContext context, CancellationToken cancellationToken)
    {
        var (configuration, exec, tokenFile) = kubeconfig.BuildClientConfiguration(context);
        if (exec is not null)
        {
            var plugin = new ExecCredentialPlugin(exec, context.Name);
            var credential = await plugin.GetCredentialAsync(cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(credential.ClientCertificateData) && !string.IsNullOrEmpty(credential.ClientKeyData))
            {
                configuration.ClientCertificateData = ExecCredentialPlugin.ToBase64(credential.ClientCertificateData);
                configuration.ClientCertificateKeyData = ExecCredentialPlugin.ToBase64(credential.ClientKeyData);
            }

            if (!string.IsNullOrEmpty(credential.Token))
            {
                configuration.TokenProvider = plugin;
            }
        }
        else if (tokenFile is not null && string.IsNullOrEmpty(configuration.AccessToken))
        {
            configuration.TokenProvider = new TokenFileProvider(tokenFile);
        }

        // Fail fast on a server that drops SYNs instead of the 100 s HttpClient default.
        configuration.FirstMessageHandlerSetup = handler => handler.ConnectTimeout = TimeSpan.FromSeconds(15);
        string server = configuration.Host ?? context.Server ?? "";
        try
        {
            return new KubeConnection(new Kubernetes(configuration), context, server);
        }
        catch (Exception error) when (error is System.Security.Cryptography.CryptographicException or FormatException or IOException
                                          or k8s.Exceptions.KubeConfigException)
        {
            throw new KubeEngineException("KubeconfigInvalid", KubeErrorCategory.InvalidData,
                $"The credentials of context '{context.Name}' cannot be loaded: {error.Message}", context.Name, error);
        }
    }

    public void Dispose() => (Client as IDisposable)?.Dispose();
}
