using System.Net.WebSockets;
using k8s;
using k8s.Autorest;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;

namespace PodTools.Engine.Containers;

/// <summary>
/// Opens exec and port-forward WebSockets through KubernetesClient (its credentials, CA and client
/// certificates) and turns a refused upgrade into the API server's own error.
/// </summary>
internal static class StreamConnector
{
    // KubernetesClient offers exactly one subprotocol per connect; the builder it creates for this flow adds the
    // preferred ones in front, so one handshake lets the server choose v5 or fall back to v4.
    private static readonly AsyncLocal<string[]?> s_preferredProtocols = new();
    private static readonly AsyncLocal<StatusCapture?> s_capture = new();

    public static async Task<WebSocket> ConnectExecAsync(KubeConnection connection, ExecRequest request, CancellationToken cancellationToken)
    {
        var client = Hook(connection);
        var scope = connection.Scope.For("pod", request.Pod, request.Namespace);
        EngineHostScope.Current.WriteDebug(
            $"EXEC pod '{request.Pod}' in namespace '{request.Namespace}' container '{request.Container}' " +
            $"(tty={request.Tty}, stdin={request.Stdin}) on {connection.Server}");
        s_preferredProtocols.Value = [ChannelProtocol.V5];
        var capture = s_capture.Value = new StatusCapture();
        try
        {
            return await client.WebSocketNamespacedPodExecAsync(request.Pod, request.Namespace, request.Command, request.Container,
                stderr: !request.Tty, stdin: request.Stdin, stdout: true, tty: request.Tty,
                webSocketSubProtocol: ChannelProtocol.V4, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw await RefusalAsync(error, capture, scope,
                token => connection.Client.CoreV1.ConnectGetNamespacedPodExecWithHttpMessagesAsync(request.Pod, request.Namespace,
                    request.Command[0], request.Container, stderr: !request.Tty, stdin: request.Stdin, stdout: true, tty: request.Tty,
                    cancellationToken: token), cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task<WebSocket> ConnectPortForwardAsync(KubeConnection connection, string @namespace, string pod, int port,
        CancellationToken cancellationToken)
    {
        var client = Hook(connection);
        var scope = connection.Scope.For("pod", pod, @namespace);
        EngineHostScope.Current.WriteDebug($"PORTFORWARD pod '{pod}' in namespace '{@namespace}' port {port} on {connection.Server}");
        s_preferredProtocols.Value = null;
        var capture = s_capture.Value = new StatusCapture();
        try
        {
            return await client.WebSocketNamespacedPodPortForwardAsync(pod, @namespace, [port], ChannelProtocol.V4,
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw await RefusalAsync(error, capture, scope,
                token => connection.Client.CoreV1.ConnectGetNamespacedPodPortforwardWithHttpMessagesAsync(pod, @namespace, port,
                    cancellationToken: token), cancellationToken).ConfigureAwait(false);
        }
    }

    private static Kubernetes Hook(KubeConnection connection)
    {
        if (connection.Client is not Kubernetes client)
        {
            throw new KubeEngineException("StreamingUnsupported", KubeErrorCategory.NotSpecified,
                "This connection cannot open exec or port-forward streams.", connection.ContextName);
        }

        // Idempotent and thread-safe: every flow reads its own protocols and capture from the async locals.
        client.CreateWebSocketBuilder = static () => new PreferringWebSocketBuilder(s_preferredProtocols.Value, s_capture.Value);
        return client;
    }

    /// <summary>
    /// The error for a failed upgrade. ClientWebSocket reports only the status code of a refused handshake, so the
    /// same request is repeated as a plain GET to read the server's Status (its message names the problem); if that
    /// answer differs, the handshake's own status code is reported.
    /// </summary>
    private static async Task<KubeEngineException> RefusalAsync(Exception error, StatusCapture capture, RequestScope scope,
        Func<CancellationToken, Task<HttpOperationResponse<Stream>>> plainGet, CancellationToken cancellationToken)
    {
        // The handshake's status first: KubernetesClient's own retry of a refused upgrade is unauthenticated.
        int? handshakeStatus = capture.StatusCode;
        if (handshakeStatus is null && KubeErrorTranslator.Translate(error, scope, cancellationToken) is { StatusCode: not null } answered)
        {
            return answered;
        }

        if (handshakeStatus is not null)
        {
            try
            {
                using var response = await plainGet(cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException http) when ((int)http.Response.StatusCode == handshakeStatus)
            {
                return KubeErrorTranslator.Translate(http, scope, cancellationToken)!;
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // Fall through to the handshake's status.
            }

            return KubeErrorTranslator.FromStatus(handshakeStatus.Value, null, capture.ReasonPhrase, scope, error);
        }

        return KubeErrorTranslator.Translate(error, scope, cancellationToken)
               ?? new KubeEngineException("StreamFailed", KubeErrorCategory.ConnectionError, error.Message, scope.Name, error);
    }

    /// <summary>Where the builder of one connect leaves the handshake's HTTP status.</summary>
    private sealed class StatusCapture
    {
        public int? StatusCode { get; set; }

        public string? ReasonPhrase { get; set; }
    }

    private sealed class PreferringWebSocketBuilder : WebSocketBuilder
    {
        private readonly StatusCapture? _capture;

        public PreferringWebSocketBuilder(string[]? preferred, StatusCapture? capture)
        {
            _capture = capture;
            Options.CollectHttpResponseDetails = true;
            foreach (string protocol in preferred ?? [])
            {
                Options.AddSubProtocol(protocol);
            }
        }

        public override async Task<WebSocket> BuildAndConnectAsync(Uri uri, CancellationToken cancellationToken)
        {
            try
            {
                return await base.BuildAndConnectAsync(uri, cancellationToken).ConfigureAwait(false);
            }
            catch (WebSocketException) when (_capture is not null && WebSocket.HttpStatusCode != 0)
            {
                _capture.StatusCode = (int)WebSocket.HttpStatusCode;
                _capture.ReasonPhrase = WebSocket.HttpStatusCode.ToString();
                throw;
            }
        }
    }
}
