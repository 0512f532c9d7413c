using k8s;
using k8s.Autorest;
using k8s.Models;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;
using PodTools.Engine.Manifests;
using PodTools.Engine.Model;

namespace PodTools.Engine.Pods.Create;

/// <summary>Creates pods (or asks the server for a dry run) and waits for them to become ready.</summary>
public sealed class PodCreator(KubeConnection connection)
{
    /// <summary>
    /// The namespace a draft goes to, as kubectl decides it: an explicit namespace must agree with the manifest's;
    /// otherwise the manifest's, else the context's default. Throws NamespaceMismatch (no request is made).
    /// </summary>
    public static string ResolveNamespace(PodDraft draft, string? explicitNamespace, string defaultNamespace)
    {
        ArgumentNullException.ThrowIfNull(draft);
        string? manifest = draft.ManifestNamespace;
        if (!string.IsNullOrEmpty(explicitNamespace))
        {
            if (manifest is not null && manifest != explicitNamespace)
            {
                throw new KubeEngineException("NamespaceMismatch", KubeErrorCategory.InvalidArgument,
                    $"the namespace from the provided object \"{manifest}\" does not match the namespace \"{explicitNamespace}\". " +
                    $"You must pass '--namespace={manifest}' to perform this operation.", draft.Name);
            }

            return explicitNamespace;
        }

        return manifest ?? defaultNamespace;
    }

    /// <summary>
    /// Sends the pod to <paramref name="namespace"/>; with <paramref name="dryRun"/> the server validates and
    /// admits it (dryRun=All) without storing it. AlreadyExists becomes PodAlreadyExists, a missing namespace
    /// NamespaceNotFound; other answers keep the server's message.
    /// </summary>
    public async Task<KPod> CreateAsync(PodDraft draft, string @namespace, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var body = KubernetesJson.Deserialize<V1Pod>(KubernetesJson.Serialize(draft.Pod));
        body.Metadata ??= new V1ObjectMeta();
        body.Metadata.NamespaceProperty = @namespace;
        var scope = connection.Scope.For("pod", draft.Name, @namespace);
        try
        {
            var created = await connection.Client.CoreV1.CreateNamespacedPodAsync(body, @namespace,
                dryRun: dryRun ? "All" : null, cancellationToken: cancellationToken).ConfigureAwait(false);
            created.ApiVersion ??= "v1";
            created.Kind ??= "Pod";
            return KPod.From(created);
        }
        catch (Exception error) when (KubeErrorTranslator.Translate(error, scope, cancellationToken) is { } translated)
        {
            throw translated switch
            {
                { ErrorId: "AlreadyExists" } => new KubeEngineException("PodAlreadyExists", KubeErrorCategory.ResourceExists,
                    translated.Message, draft.Name, error, translated.StatusCode, translated.Reason),
                { StatusCode: 404 } => new KubeEngineException("NamespaceNotFound", KubeErrorCategory.ObjectNotFound,
                    translated.Message, @namespace, error, translated.StatusCode, translated.Reason),
                _ => translated,
            };
        }
    }

    /// <summary>The pod as YAML, as kubectl -o yaml prints it (the What-if output of a dry run).</summary>
    public static string ToYaml(KPod pod) => ManifestWriter.ToYaml(pod.Object);

    /// <summary>
    /// Watches the pod until it is Running and Ready, and returns it then. Fails with the pod's own reason when it
    /// cannot get there (Unschedulable with the scheduler's message, ImagePullBackOff, CrashLoopBackOff, ...), with
    /// WaitTimeout after <paramref name="timeout"/>, and with PodDeleted if it goes away.
    /// </summary>
    public Task<KPod> WaitUntilReadyAsync(KPod pod, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return new PodReadyWatch(connection, pod.Object).RunAsync(timeout, cancellationToken);
    }
}
