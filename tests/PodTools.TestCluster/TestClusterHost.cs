using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PodTools.TestCluster.Api;
using PodTools.TestCluster.ControlPlane;
using PodTools.TestCluster.Hosting;
using PodTools.TestCluster.Kubelet;
using PodTools.TestCluster.Store;
using PodTools.TestCluster.Testing;

namespace PodTools.TestCluster;

/// <summary>A running test cluster: HTTPS API server on 127.0.0.1, its store and simulated control plane.</summary>
public sealed class TestClusterHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ClusterCertificates _certificates;
    private readonly Authenticator _authenticator;
    private readonly CancellationTokenSource _stopping;
    private readonly bool _ownsWorkDirectory;
    private int _disposed;

    private TestClusterHost(WebApplication app, ControlPlaneRunner controlPlane, ClusterCertificates certificates, Authenticator authenticator, CancellationTokenSource stopping,
        ClusterStore store, RequestLog requests, FaultInjector faults, string serverUrl, string kubeconfigPath, string workDirectory, bool ownsWorkDirectory)
    {
        _app = app;
        ControlPlane = controlPlane;
        _certificates = certificates;
        _authenticator = authenticator;
        _stopping = stopping;
        Store = store;
        Requests = requests;
        Faults = faults;
        ServerUrl = serverUrl;
        KubeconfigPath = kubeconfigPath;
        WorkDirectory = workDirectory;
        _ownsWorkDirectory = ownsWorkDirectory;
    }

    /// <summary>https://127.0.0.1:PORT</summary>
    public string ServerUrl { get; }
    public string KubeconfigPath { get; }
    public string WorkDirectory { get; }

    /// <summary>Bearer token of the kubeconfig's admin user (full access).</summary>
    public string AdminToken => _authenticator.AdminToken;

    /// <summary>Bearer token of the kubeconfig's viewer user (read-only).</summary>
    public string ViewerToken => _authenticator.ViewerToken;

    /// <summary>The token the kubeconfig's bad-token user carries, which the server rejects.</summary>
    public string RejectedToken => _authenticator.RejectedToken;

    /// <summary>The cluster CA that signed the serving certificate (public part only).</summary>
    public X509Certificate2 CaCertificate => X509CertificateLoader.LoadCertificate(_certificates.Ca.RawData);

    /// <summary>The cert-admin client certificate with its private key.</summary>
    public X509Certificate2 ClientCertificate => _certificates.Client;

    public ClusterStore Store { get; }

    /// <summary>The simulated scheduler and kubelets (per-container state for logs, exec and port-forward).</summary>
    public ControlPlaneRunner ControlPlane { get; }
    public ClusterClock Clock => Store.Clock;
    public RequestLog Requests { get; }
    public FaultInjector Faults { get; }

    public static async Task<TestClusterHost> StartAsync(TestClusterOptions options, CancellationToken cancellationToken = default)
    {
        var ownsWorkDirectory = options.WorkDirectory is null;
        var workDirectory = Path.GetFullPath(options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "podtools-testcluster-" + Guid.NewGuid().ToString("N")[..12]));
        Directory.CreateDirectory(workDirectory);
        var kubeconfigPath = Path.GetFullPath(options.KubeconfigPath ?? Path.Combine(workDirectory, "kubeconfig"));

        var store = new ClusterStore(new ClusterClock(options.TimeScale));
        InitialObjects.Create(store);
        var certificates = ClusterCertificates.Generate();
        var authenticator = new Authenticator(certificates);
        var requests = new RequestLog();
        var faults = new FaultInjector(options.LatencyMs);
        var stopping = new CancellationTokenSource();
        // The control plane starts first so that the kubelet endpoints (exec, logs, port-forward) exist from the first request.
        var controlPlane = ControlPlaneRunner.Start(store, store.Clock, workDirectory);
        var kubelet = new KubeletEndpoints(controlPlane.Kubelet, store, stopping.Token);
        var api = new ApiServer(store, kubelet, authenticator, requests, faults, stopping.Token);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(TestClusterHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // kube-apiserver allows many concurrent HTTP/2 streams; Kestrel's default of 100 would queue client calls.
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = certificates.Serving;
                    // Clients may present a certificate; the API server checks it against the cluster CA itself.
                    https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    https.ClientCertificateValidation = (_, _, _) => true;
                });
            });
        });
        var app = builder.Build();
        app.Run(api.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await controlPlane.DisposeAsync();
            await app.DisposeAsync();
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(bound).Port;
        var serverUrl = $"https://127.0.0.1:{port}";
        api.ServerAddress = $"127.0.0.1:{port}";
        KubeconfigWriter.Write(kubeconfigPath, serverUrl, certificates, authenticator);

        return new TestClusterHost(app, controlPlane, certificates, authenticator, stopping, store, requests, faults, serverUrl, kubeconfigPath, workDirectory, ownsWorkDirectory);
    }

    /// <summary>
    /// An HttpClient for this cluster that trusts its CA and authenticates as "admin", "viewer", "cert-admin"
    /// (client certificate), "bad-token" or "anonymous" (no credentials).
    /// </summary>
    public HttpClient CreateHttpClient(string user = "admin")
    {
        var ca = CaCertificate;
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is X509Certificate2 server && ClusterCertificates.ChainsTo(ca, server);
        if (user == "cert-admin") handler.SslOptions.ClientCertificates = new X509CertificateCollection { ClientCertificate };
        var client = new HttpClient(handler) { BaseAddress = new Uri(ServerUrl), Timeout = TimeSpan.FromSeconds(60) };
        var token = user switch
        {
            "admin" => AdminToken,
            "viewer" => ViewerToken,
            "bad-token" => RejectedToken,
            "cert-admin" or "anonymous" => null,
            _ => throw new ArgumentException($"Unknown user '{user}'.", nameof(user)),
        };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stopping.CancelAsync();
        await ControlPlane.DisposeAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                await _app.StopAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
        await _app.DisposeAsync();
        _certificates.Dispose();
        _stopping.Dispose();
        if (_ownsWorkDirectory)
        {
            try
            {
                Directory.Delete(WorkDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A container process may still hold a file; the temp directory is cleaned up eventually.
            }
        }
    }
}
