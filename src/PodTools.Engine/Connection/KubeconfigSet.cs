using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;
using YamlDotNet.RepresentationModel;

namespace PodTools.Engine.Connection;

/// <summary>
/// One or more kubeconfig files merged with kubectl's rules: for clusters, users and contexts the first file
/// that defines a name wins, and the first file that sets current-context wins. Relative file paths inside a
/// kubeconfig are resolved against the directory of the file that holds them.
/// </summary>
public sealed class KubeconfigSet
{
    private readonly Dictionary<string, Cluster> _clusters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, User> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _tokenFiles = new(StringComparer.Ordinal);
    private readonly List<Context> _contexts = [];
    private readonly Dictionary<string, string> _contextSource = new(StringComparer.Ordinal);

    // A deserializer for the kubeconfig model only: KubernetesClient's own loader first registers every API
    // model type with YamlDotNet, which costs most of a second on the first command of a session.
    private static readonly Lazy<YamlDotNet.Serialization.IDeserializer> s_deserializer = new(() =>
        new YamlDotNet.Serialization.DeserializerBuilder().IgnoreUnmatchedProperties().Build());

    private KubeconfigSet(IReadOnlyList<string> paths) => Paths = paths;

    /// <summary>The files in precedence order (including ones that do not exist).</summary>
    public IReadOnlyList<string> Paths { get; }

    /// <summary>The current-context of the first file that sets one.</summary>
    public string? CurrentContext { get; private set; }

    /// <summary>True when at least one of <see cref="Paths"/> exists.</summary>
    public bool AnyFileExists { get; private set; }

    public IReadOnlyList<string> ContextNames => _contexts.Select(c => c.Name).ToList();

    /// <summary>
    /// The file kubectl would write a new current-context to: the explicit or only file, else the first
    /// file of the list that exists, else the last one.
    /// </summary>
    public string FileToModify =>
        Paths.Count == 1 ? Paths[0] : Paths.FirstOrDefault(File.Exists) ?? Paths[^1];

    /// <summary>Reads and merges <paramref name="paths"/>; files that do not exist are skipped as kubectl does.</summary>
    public static KubeconfigSet Load(IReadOnlyList<string> paths)
    {
        var set = new KubeconfigSet(paths);
        foreach (string path in paths)
        {
            if (!File.Exists(path))
            {
                continue;
            }

            set.AnyFileExists = true;
            set.Merge(path);
        }

        return set;
    }

    /// <summary>Resolves the paths as kubectl does (explicit, KUBECONFIG, ~/.kube/config) and loads them.</summary>
    public static KubeconfigSet LoadFromEnvironment(string? explicitPath)
    {
        var paths = KubeconfigPaths.ResolveFromEnvironment(explicitPath);
        if (!string.IsNullOrWhiteSpace(explicitPath) && !File.Exists(paths[0]))
        {
            throw new KubeEngineException("KubeconfigNotFound", KubeErrorCategory.ObjectNotFound,
                $"The kubeconfig file '{paths[0]}' does not exist.", paths[0]);
        }

        return Load(paths);
    }

    /// <summary>Lists the contexts; <paramref name="currentContext"/> overrides the files' current-context.</summary>
    public IReadOnlyList<KContext> GetContexts(string? currentContext = null)
    {
        string? current = currentContext ?? CurrentContext;
        return _contexts.Select(c => new KContext
        {
            Name = c.Name,
            Cluster = c.ContextDetails?.Cluster,
            User = c.ContextDetails?.User,
            Namespace = NamespaceOf(c),
            IsCurrent = string.Equals(c.Name, current, StringComparison.Ordinal),
            Server = c.ContextDetails?.Cluster is { } cluster && _clusters.TryGetValue(cluster, out var found)
                ? found.ClusterEndpoint?.Server
                : null,
            Kubeconfig = _contextSource[c.Name],
        }).ToList();
    }

    /// <summary>
    /// Finds the context to use: <paramref name="contextName"/> when given, else the current context.
    /// Throws <see cref="KubeEngineException"/> (ContextNotFound, NoCurrentContext, KubeconfigNotFound).
    /// </summary>
    public KContext ResolveContext(string? contextName)
    {
        if (!AnyFileExists)
        {
            throw new KubeEngineException("KubeconfigNotFound", KubeErrorCategory.ObjectNotFound,
                $"No kubeconfig file was found (looked for: {string.Join(", ", Paths)}). Pass -Kubeconfig or set KUBECONFIG.",
                Paths[0]);
        }

        string? name = string.IsNullOrEmpty(contextName) ? CurrentContext : contextName;
        if (string.IsNullOrEmpty(name))
        {
            throw new KubeEngineException("NoCurrentContext", KubeErrorCategory.InvalidOperation,
                "The kubeconfig sets no current-context. Pass -Context or run Use-KContext.", null);
        }

        return GetContexts(name).FirstOrDefault(c => c.Name == name)
            ?? throw new KubeEngineException("ContextNotFound", KubeErrorCategory.ObjectNotFound,
                $"The context '{name}' does not exist in the kubeconfig ({string.Join(", ", Paths)}).", name);
    }

    /// <summary>
    /// Builds the KubernetesClient configuration for <paramref name="context"/>. Exec plugins are not run here:
    /// the returned <see cref="ExternalExecution"/> (if any) is for the caller to run with its own host.
    /// </summary>
    internal (KubernetesClientConfiguration Configuration, ExternalExecution? Exec, string? TokenFile) BuildClientConfiguration(KContext context)
    {
        var source = _contexts.First(c => c.Name == context.Name);
        string clusterName = source.ContextDetails?.Cluster ?? "";
        string userName = source.ContextDetails?.User ?? "";
        if (!_clusters.TryGetValue(clusterName, out var cluster))
        {
            throw new KubeEngineException("KubeconfigInvalid", KubeErrorCategory.InvalidData,
                $"The context '{context.Name}' refers to the cluster '{clusterName}', which the kubeconfig does not define.", context.Name);
        }

        _users.TryGetValue(userName, out var user);
        ExternalExecution? exec = user?.UserCredentials?.ExternalExecution;
        _tokenFiles.TryGetValue(userName, out string? tokenFile);

        // Hand the library a single-context configuration without the exec block: PodTools runs exec plugins
        // itself so their stderr reaches the user as a warning of the right cmdlet.
        User? userForLibrary = user is null ? null : new User
        {
            Name = user.Name,
            UserCredentials = user.UserCredentials is null ? null : CopyWithoutExec(user.UserCredentials),
        };
        // The library refuses a user without credentials it knows; kubectl treats one as anonymous (or as exec/tokenFile).
        bool anonymousForLibrary = userForLibrary?.UserCredentials is null || !HasLibraryCredentials(userForLibrary.UserCredentials);
        var contextForLibrary = !anonymousForLibrary ? source : new Context
        {
            Name = source.Name,
            ContextDetails = new ContextDetails { Cluster = clusterName, Namespace = source.ContextDetails?.Namespace },
        };
        var single = new K8SConfiguration
        {
            ApiVersion = "v1",
            Kind = "Config",
            CurrentContext = context.Name,
            Contexts = [contextForLibrary],
            Clusters = [cluster],
            Users = anonymousForLibrary ? [] : [userForLibrary!],
        };

        try
        {
            var configuration = KubernetesClientConfiguration.BuildConfigFromConfigObject(single, context.Name);
            return (configuration, exec, tokenFile);
        }
        catch (Exception error) when (error is KubeConfigException or FileNotFoundException or DirectoryNotFoundException
                                          or FormatException or System.Security.Cryptography.CryptographicException)
        {
            throw new KubeEngineException("KubeconfigInvalid", KubeErrorCategory.InvalidData,
                $"The kubeconfig entry for context '{context.Name}' cannot be used: {error.Message}", context.Name, error);
        }
    }

    private static bool HasLibraryCredentials(UserCredentials c) =>
        !string.IsNullOrEmpty(c.Token) || !string.IsNullOrEmpty(c.UserName) || c.AuthProvider is not null
        || !string.IsNullOrEmpty(c.ClientCertificateData) || !string.IsNullOrEmpty(c.ClientCertificate);

    private static UserCredentials CopyWithoutExec(UserCredentials c) => new()
    {
        ClientCertificateData = c.ClientCertificateData,
        ClientCertificate = c.ClientCertificate,
        ClientKeyData = c.ClientKeyData,
        ClientKey = c.ClientKey,
        Token = c.Token,
        Impersonate = c.Impersonate,
        ImpersonateGroups = c.ImpersonateGroups,
        ImpersonateUserExtra = c.ImpersonateUserExtra,
        UserName = c.UserName,
        Password = c.Password,
        AuthProvider = c.AuthProvider,
    };

    private static string NamespaceOf(Context c)
    {
        string? ns = c.ContextDetails?.Namespace;
        return string.IsNullOrEmpty(ns) ? "default" : ns;
    }

    private void Merge(string path)
    {
        K8SConfiguration? config;
        try
        {
            config = s_deserializer.Value.Deserialize<K8SConfiguration?>(File.ReadAllText(path));
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            throw new KubeEngineException("KubeconfigInvalid", KubeErrorCategory.InvalidData,
                $"The kubeconfig file '{path}' cannot be read: {error.Message}", path, error);
        }

        if (config is null)
        {
            return; // an empty file contributes nothing, as with kubectl
        }

        string directory = Path.GetDirectoryName(path)!;
        if (string.IsNullOrEmpty(CurrentContext) && !string.IsNullOrEmpty(config.CurrentContext))
        {
            CurrentContext = config.CurrentContext;
        }

        foreach (var cluster in config.Clusters ?? [])
        {
            if (cluster?.Name is null || _clusters.ContainsKey(cluster.Name))
            {
                continue;
            }

            if (cluster.ClusterEndpoint is { } endpoint)
            {
                endpoint.CertificateAuthority = Absolute(directory, endpoint.CertificateAuthority);
            }

            _clusters[cluster.Name] = cluster;
        }

        var tokenFiles = ReadTokenFiles(path);
        foreach (var user in config.Users ?? [])
        {
            if (user?.Name is null || _users.ContainsKey(user.Name))
            {
                continue;
            }

            if (user.UserCredentials is { } credentials)
            {
                credentials.ClientCertificate = Absolute(directory, credentials.ClientCertificate);
                credentials.ClientKey = Absolute(directory, credentials.ClientKey);
                if (credentials.ExternalExecution is { Command: { } command } exec
                    && command.IndexOfAny(['/', '\\']) >= 0)
                {
                    // kubectl resolves a plugin path with a separator against the kubeconfig's directory.
                    exec.Command = Absolute(directory, command);
                }
            }

            _users[user.Name] = user;
            if (tokenFiles.TryGetValue(user.Name, out string? tokenFile))
            {
                _tokenFiles[user.Name] = Absolute(directory, tokenFile)!;
            }
        }

        foreach (var context in config.Contexts ?? [])
        {
            if (context?.Name is null || _contextSource.ContainsKey(context.Name))
            {
                continue;
            }

            _contexts.Add(context);
            _contextSource[context.Name] = path;
        }
    }

    // KubernetesClient's model has no tokenFile field, so read it from the YAML directly.
    private static Dictionary<string, string> ReadTokenFiles(string path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(path))
            {
                stream.Load(reader);
            }

            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root
                || !root.Children.TryGetValue(new YamlScalarNode("users"), out var usersNode)
                || usersNode is not YamlSequenceNode users)
            {
                return result;
            }

            foreach (var entry in users.OfType<YamlMappingNode>())
            {
                if (entry.Children.TryGetValue(new YamlScalarNode("name"), out var nameNode) && nameNode is YamlScalarNode { Value: { } name }
                    && entry.Children.TryGetValue(new YamlScalarNode("user"), out var userNode) && userNode is YamlMappingNode user
                    && user.Children.TryGetValue(new YamlScalarNode("tokenFile"), out var fileNode) && fileNode is YamlScalarNode { Value: { Length: > 0 } file })
                {
                    result[name] = file;
                }
            }
        }
        catch (Exception error) when (error is YamlDotNet.Core.YamlException or IOException)
        {
            // The typed load above already reported unreadable files; a missing tokenFile is not worth a second error.
        }

        return result;
    }

    private static string? Absolute(string directory, string? path) =>
        string.IsNullOrEmpty(path) || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(directory, path));
}
