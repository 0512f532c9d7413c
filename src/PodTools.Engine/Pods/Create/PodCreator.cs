using System.Collections.Concurrent;
using k8s;
using k8s.Autorest;
using k8s.Models;
using PodTools.Engine.Bulk;
using PodTools.Engine.Connection;
using PodTools.Engine.Errors;
using PodTools.Engine.Manifests;
using PodTools.Engine.Model;

namespace PodTools.Engine.Pods.Create;

/// <summary>Creates pods (or asks the server for a dry run) and waits for them to become ready.</summary>
public sealed class PodCreator(KubeConnection connection)
{
    // The pods this creator has returned, so that a retried generateName create never adopts a pod another item of
    // the same run reported.
    private readonly ConcurrentDictionary<string, byte> _returned = new(StringComparer.Ordinal);

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
    /// NamespaceNotFound; other answers keep the server's message. On a bulk retry, an existing pod that is
    /// recognisably the one an earlier attempt created is returned as created (see <see cref="WhyNotOurs"/>); a
    /// generateName create is not sent again while such a pod exists (see <see cref="FindEarlierCreateAsync"/>).
    /// </summary>
    public async Task<KPod> CreateAsync(PodDraft draft, string @namespace, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var body = KubernetesJson.Deserialize<V1Pod>(KubernetesJson.Serialize(draft.Pod));
        body.Metadata ??= new V1ObjectMeta();
        body.Metadata.NamespaceProperty = @namespace;
        var scope = connection.Scope.For("pod", draft.Name, @namespace);
        bool generated = string.IsNullOrEmpty(body.Metadata.Name);
        if (generated && !dryRun && BulkAttempt.Current is { IsRetry: true } retry
            && await FindEarlierCreateAsync(body, retry.FirstStartedAt, cancellationToken).ConfigureAwait(false) is { } earlier)
        {
            return AsKPod(earlier);
        }

        KubeEngineException exists;
        Exception existsError;
        try
        {
            var created = await connection.Client.CoreV1.CreateNamespacedPodAsync(body, @namespace,
                dryRun: dryRun ? "All" : null, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!dryRun)
            {
                _returned.TryAdd(created.Metadata.Name, 0);
            }

            return AsKPod(created);
        }
        catch (Exception error) when (KubeErrorTranslator.Translate(error, scope, cancellationToken) is { } translated)
        {
            existsError = error;
            exists = translated switch
            {
                { ErrorId: "AlreadyExists" } => translated,
                { StatusCode: 404 } => throw new KubeEngineException("NamespaceNotFound", KubeErrorCategory.ObjectNotFound,
                    translated.Message, @namespace, error, translated.StatusCode, translated.Reason),
                _ => throw translated,
            };
        }

        string message = exists.Message;
        if (!dryRun && BulkAttempt.Current is { IsRetry: true } attempt && !string.IsNullOrEmpty(body.Metadata.Name))
        {
            var existing = await ReadExistingAsync(body, cancellationToken).ConfigureAwait(false);
            string? doubt = existing is null ? "it could not be read" : WhyNotOurs(body, existing, attempt.FirstStartedAt);
            if (doubt is null)
            {
                _returned.TryAdd(existing!.Metadata.Name, 0);
                return AsKPod(existing);
            }

            message += $" (attempt {attempt.Number}: an earlier attempt of this command may have created it, " +
                       $"but it cannot be confirmed as that pod: {doubt})";
        }

        throw new KubeEngineException("PodAlreadyExists", KubeErrorCategory.ResourceExists,
            message, draft.Name, existsError, exists.StatusCode, exists.Reason);
    }

    /// <summary>
    /// The pod an earlier attempt of a generateName create stored although its answer was lost, or null. Sending the
    /// create again would make a second pod under another generated name, so the retry first looks for one: a pod
    /// whose name has the prefix, that <see cref="WhyNotOurs"/> accepts, and that this creator has not returned for
    /// another item. The oldest is claimed. A pod another item created whose answer is still on its way could be
    /// claimed first; that item then reports the same pod too, rather than a second pod being made.
    /// </summary>
    private async Task<V1Pod?> FindEarlierCreateAsync(V1Pod sent, DateTimeOffset firstAttemptStartedAt, CancellationToken cancellationToken)
    {
        string ns = sent.Metadata.NamespaceProperty;
        string prefix = sent.Metadata.GenerateName ?? "";
        string? selector = sent.Metadata.Labels is { Count: > 0 } labels
            ? string.Join(",", labels.Select(label => $"{label.Key}={label.Value}"))
            : null;
        var scope = connection.Scope.For("pod", prefix, ns);
        var candidates = new List<V1Pod>();
        string? continueToken = null;
        do
        {
            V1PodList page;
            try
            {
                page = await connection.Client.CoreV1.ListNamespacedPodAsync(ns, continueParameter: continueToken,
                    labelSelector: selector, limit: PodService.DefaultPageSize, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (KubeErrorTranslator.Translate(error, scope, cancellationToken) is { } translated)
            {
                // Without the list the retry cannot tell; a transient failure is retried as a whole.
                throw translated;
            }

            candidates.AddRange(page.Items.Where(pod => pod.Metadata.Name.StartsWith(prefix, StringComparison.Ordinal)
                                                        && WhyNotOurs(sent, pod, firstAttemptStartedAt) is null));
            continueToken = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(continueToken));

        return candidates.OrderBy(pod => pod.Metadata.CreationTimestamp).ThenBy(pod => pod.Metadata.Name, StringComparer.Ordinal)
            .FirstOrDefault(pod => _returned.TryAdd(pod.Metadata.Name, 0));
    }

    // The pod now under the name; null when it cannot be read for good (gone again, forbidden). A transient failure
    // propagates, so the bulk runner retries the whole create.
    private async Task<V1Pod?> ReadExistingAsync(V1Pod sent, CancellationToken cancellationToken)
    {
        var scope = connection.Scope.For("pod", sent.Metadata.Name, sent.Metadata.NamespaceProperty);
        try
        {
            return await connection.Client.CoreV1.ReadNamespacedPodAsync(sent.Metadata.Name, sent.Metadata.NamespaceProperty,
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (KubeErrorTranslator.Translate(error, scope, cancellationToken) is { } translated)
        {
            if (TransientErrors.IsTransient(translated))
            {
                throw translated;
            }

            return null;
        }
    }

    /// <summary>
    /// How far a creation timestamp may precede the first attempt's start and still be ours: the server writes
    /// whole seconds, and its clock and ours disagree a little.
    /// </summary>
    internal static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Why <paramref name="existing"/> may not be the pod an earlier attempt created from <paramref name="sent"/>, or
    /// null when it is, which takes all of: the same containers and init containers (names and images, in order),
    /// every label and annotation sent with the value sent (admission may add more), and a
    /// creation time no earlier than the first attempt's start less <see cref="ClockSkewAllowance"/>. A pod that
    /// someone else made from the same manifest meanwhile would pass too, and is as good as ours; a pod left from an
    /// earlier run is older and fails the time test.
    /// </summary>
    internal static string? WhyNotOurs(V1Pod sent, V1Pod existing, DateTimeOffset firstAttemptStartedAt)
    {
        if (!SameImages(sent.Spec?.Containers, existing.Spec?.Containers) || !SameImages(sent.Spec?.InitContainers, existing.Spec?.InitContainers))
        {
            return "its containers differ from the ones sent";
        }

        if (Missing(sent.Metadata?.Labels, existing.Metadata?.Labels) is { } label)
        {
            return $"its label '{label}' differs from the one sent";
        }

        if (Missing(sent.Metadata?.Annotations, existing.Metadata?.Annotations) is { } annotation)
        {
            return $"its annotation '{annotation}' differs from the one sent";
        }

        if (existing.Metadata?.CreationTimestamp is not { } createdAt)
        {
            return "it has no creation time";
        }

        var created = new DateTimeOffset(createdAt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(createdAt, DateTimeKind.Utc) : createdAt);
        return created < firstAttemptStartedAt - ClockSkewAllowance
            ? $"it was created at {created.UtcDateTime:u}, before this command's first attempt"
            : null;
    }

    private static bool SameImages(IList<V1Container>? sent, IList<V1Container>? existing) =>
        (sent ?? []).Select(c => (c.Name, c.Image)).SequenceEqual((existing ?? []).Select(c => (c.Name, c.Image)));

    // The first key of sent whose value existing does not hold.
    private static string? Missing(IDictionary<string, string>? sent, IDictionary<string, string>? existing) =>
        (sent ?? new Dictionary<string, string>())
            .FirstOrDefault(pair => existing is null || !existing.TryGetValue(pair.Key, out var value) || value != pair.Value).Key;

    private static KPod AsKPod(V1Pod pod)
    {
        pod.ApiVersion ??= "v1";
        pod.Kind ??= "Pod";
        return KPod.From(pod);
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
