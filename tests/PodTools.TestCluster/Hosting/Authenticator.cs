using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace PodTools.TestCluster.Hosting;

/// <summary>An authenticated user: the name RBAC messages show, and whether it may write.</summary>
internal sealed record ClusterUser(string Name, bool CanWrite);

/// <summary>Bearer tokens and client certificates, checked as kube-apiserver's union authenticator does (certificate first).</summary>
internal sealed class Authenticator
{
    private readonly ClusterCertificates _certificates;
    private readonly Dictionary<string, ClusterUser> _tokens = new(StringComparer.Ordinal);
    // Chain building per request would dominate small requests; a certificate's verdict never changes while the CA lives.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _trustedCertificates = new();

    public Authenticator(ClusterCertificates certificates)
    {
        _certificates = certificates;
        AdminToken = NewToken();
        ViewerToken = NewToken();
        // Never registered, so the server rejects it: the kubeconfig's "bad-token" user.
        RejectedToken = NewToken();
        _tokens[AdminToken] = new ClusterUser("admin", CanWrite: true);
        _tokens[ViewerToken] = new ClusterUser("viewer", CanWrite: false);
    }

    public string AdminToken { get; }
    public string ViewerToken { get; }
    public string RejectedToken { get; }

    public ClusterUser? Authenticate(HttpContext context)
    {
        var certificate = context.Connection.ClientCertificate;
        if (certificate is not null && _trustedCertificates.GetOrAdd(certificate.Thumbprint, _ => _certificates.IsTrustedClient(certificate)))
        {
            var name = certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false);
            return new ClusterUser(name, CanWrite: true);
        }
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = authorization["Bearer ".Length..].Trim();
            if (_tokens.TryGetValue(token, out var user)) return user;
        }
        return null;
    }

    private static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
}
