using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PodTools.TestCluster.Hosting;

/// <summary>
/// The cluster's PKI, generated fresh at every start: a CA, the API server's serving certificate (127.0.0.1 and
/// localhost) and the cert-admin client certificate, all ECDSA P-256 like kubeadm's defaults allow.
/// </summary>
internal sealed class ClusterCertificates : IDisposable
{
    public const string ClientCertificateUser = "cert-admin";

    private ClusterCertificates(X509Certificate2 ca, X509Certificate2 serving, X509Certificate2 client, string clientKeyPem)
    {
        Ca = ca;
        Serving = serving;
        Client = client;
        ClientKeyPem = clientKeyPem;
    }

    /// <summary>The CA certificate (with its key, which never leaves the process).</summary>
    public X509Certificate2 Ca { get; }
    public X509Certificate2 Serving { get; }
    public X509Certificate2 Client { get; }
    public string ClientKeyPem { get; }
    public string CaPem => Ca.ExportCertificatePem();
    public string ClientCertificatePem => Client.ExportCertificatePem();

    public static ClusterCertificates Generate()
    {
        var notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
        var notAfter = notBefore.AddDays(365);

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=podtools-test-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var ca = ReloadWithKey(caRequest.CreateSelfSigned(notBefore, notAfter));

        var sans = new SubjectAlternativeNameBuilder();
        sans.AddIpAddress(IPAddress.Loopback);
        sans.AddDnsName("localhost");
        var serving = Issue(ca, "CN=kube-apiserver", notBefore, notAfter, X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment,
            "1.3.6.1.5.5.7.3.1", sans.Build(), out _);

        // O=system:masters is how kubeadm's admin client certificate gets full access.
        var client = Issue(ca, $"CN={ClientCertificateUser}, O=system:masters", notBefore, notAfter, X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment,
            "1.3.6.1.5.5.7.3.2", null, out var clientKeyPem);

        return new ClusterCertificates(ca, serving, client, clientKeyPem);
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, DateTimeOffset notBefore, DateTimeOffset notAfter,
        X509KeyUsageFlags usage, string extendedUsageOid, X509Extension? subjectAlternativeNames, out string keyPem)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(extendedUsageOid)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (subjectAlternativeNames is not null) request.CertificateExtensions.Add(subjectAlternativeNames);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(ca, notBefore, notAfter, serial);
        keyPem = key.ExportPkcs8PrivateKeyPem();
        return ReloadWithKey(issued.CopyWithPrivateKey(key));
    }

    // TLS stacks want a certificate whose key is persisted in the certificate's own store form, not an ephemeral
    // handle; a PKCS#12 round trip gives exactly that on every platform.
    private static X509Certificate2 ReloadWithKey(X509Certificate2 certificate)
    {
        using (certificate)
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
        }
    }

    /// <summary>True when the certificate chains to this cluster's CA and is valid for client authentication.</summary>
    public bool IsTrustedClient(X509Certificate2 certificate) => Chains(Ca, certificate, "1.3.6.1.5.5.7.3.2");

    /// <summary>True when a server certificate chains to this CA (for clients in tests).</summary>
    public static bool ChainsTo(X509Certificate2 ca, X509Certificate2? certificate) =>
        certificate is not null && Chains(ca, certificate, requiredUsageOid: null);

    private static bool Chains(X509Certificate2 ca, X509Certificate2 certificate, string? requiredUsageOid)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (requiredUsageOid is not null) chain.ChainPolicy.ApplicationPolicy.Add(new Oid(requiredUsageOid));
        return chain.Build(certificate);
    }

    public void Dispose()
    {
        Ca.Dispose();
        Serving.Dispose();
        Client.Dispose();
    }
}
