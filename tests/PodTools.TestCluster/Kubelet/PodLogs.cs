using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using PodTools.TestCluster.ControlPlane;
using PodTools.TestCluster.Semantics;
using PodTools.TestCluster.Store;

namespace PodTools.TestCluster.Kubelet;

/// <summary>
/// GET pods/{name}/log: the API server validates PodLogOptions and the container, then streams what the
/// kubelet returns for the container instance its status points at (the running one, or the last terminated
/// one while it waits to restart; with previous=true the last terminated one).
/// </summary>
internal sealed class PodLogs
{
    private readonly KubeletState _kubelet;
    private readonly ClusterStore _store;

    public PodLogs(KubeletState kubelet, ClusterStore store)
    {
        _kubelet = kubelet;
        _store = store;
    }

    private sealed record Options(string? Container, bool Follow, bool Previous, bool Timestamps, long? TailLines, long? LimitBytes, DateTime? Since);

    public async Task ServeAsync(HttpContext context, string ns, string podName, CancellationToken cancellationToken)
    {
        var options = ParseOptions(context, podName);
        var pod = KubeletEndpoints.GetPod(_store, ns, podName);
        var containerName = KubeletEndpoints.ResolveContainer(pod, options.Container);
        if (string.IsNullOrEmpty(pod.Str("spec", "nodeName")))
        {
            // No node yet: the API server has no kubelet to ask and answers with an empty log.
            await WriteHeadAsync(context).ConfigureAwait(false);
            return;
        }

        var worker = _kubelet.FindPod(ns, podName);
        var runtime = worker is null ? null : KubeletEndpoints.FindRuntime(worker, containerName);
        if (runtime is null)
        {
            // Adopted pods (stored already Running) have no kubelet state: nothing was ever logged.
            await WriteHeadAsync(context).ConfigureAwait(false);
            return;
        }

        var source = SelectInstance(runtime, options.Previous, podName);
        await WriteHeadAsync(context).ConfigureAwait(false);
        var writer = new LogWriter(context.Response, options, cancellationToken);
        IEnumerable<LogLine> lines = source.Lines;
        if (options.Since is { } since) lines = lines.Where(l => l.Timestamp >= since);
        if (options.TailLines is { } tail) lines = lines.TakeLast((int)Math.Min(tail, int.MaxValue));
        foreach (var line in lines)
            if (!await writer.WriteAsync(line).ConfigureAwait(false)) return;
        await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);

        if (!options.Follow || !source.IsLive) return;
        // Follow the running instance: FollowAsync replays it from the start, so skip what was already considered.
        var seen = source.Lines.Count;
        try
        {
            await foreach (var line in runtime.Log.FollowAsync(cancellationToken).ConfigureAwait(false))
            {
                if (seen > 0)
                {
                    seen--;
                    continue;
                }
                if (options.Since is { } s && line.Timestamp < s) continue;
                if (!await writer.WriteAsync(line).ConfigureAwait(false)) return;
                await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client stopped following, or the cluster stops.
        }
    }

    private static async Task WriteHeadAsync(HttpContext context)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private sealed record Instance(IReadOnlyList<LogLine> Lines, bool IsLive);

    // kubelet's validateContainerLogStatus: which instance's log, or the 400 that says why there is none.
    private static Instance SelectInstance(ContainerRuntime runtime, bool previous, string podName)
    {
        var status = runtime.ToStatus();
        var running = status.Obj("state", "running") is not null;
        var terminated = status.Obj("state", "terminated");
        var waiting = status.Obj("state", "waiting");
        var lastTerminated = status.Obj("lastState", "terminated");
        var name = runtime.Name;
        if (previous)
        {
            if (lastTerminated is null || string.IsNullOrEmpty(lastTerminated.Str("containerID")))
                throw StatusException.BadRequest($"previous terminated container \"{name}\" in pod \"{podName}\" not found");
            // While the container runs, the previous instance is the one before it; while it waits to restart,
            // the last terminated instance is still the current log.
            return new Instance(running ? runtime.Log.Previous() ?? [] : runtime.Log.Current(), false);
        }
        if (running) return new Instance(runtime.Log.Current(), true);
        if (terminated is not null || lastTerminated is not null)
        {
            var containerId = terminated?.Str("containerID") ?? lastTerminated?.Str("containerID");
            if (string.IsNullOrEmpty(containerId)) throw StatusException.BadRequest($"container \"{name}\" in pod \"{podName}\" is terminated");
            return new Instance(runtime.Log.Current(), false);
        }
        var reason = waiting?.Str("reason");
        throw StatusException.BadRequest(reason switch
        {
            "ErrImagePull" => $"container \"{name}\" in pod \"{podName}\" is waiting to start: image can't be pulled",
            "ImagePullBackOff" => $"container \"{name}\" in pod \"{podName}\" is waiting to start: trying and failing to pull image",
            null => $"container \"{name}\" in pod \"{podName}\" is waiting to start - no logs yet",
            _ => $"container \"{name}\" in pod \"{podName}\" is waiting to start: {reason}",
        });
    }

    // PodLogOptions from the query, validated as ValidatePodLogOptions does (422 Invalid on PodLogOptions).
    private static Options ParseOptions(HttpContext context, string podName)
    {
        var query = context.Request.Query;
        var causes = new List<StatusCause>();
        long? Number(string key)
        {
            var text = query[key].ToString();
            if (text.Length == 0) return null;
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)) return value;
            throw StatusException.BadRequest($"strconv.ParseInt: parsing {FieldErrors.GoQuote(text)}: invalid syntax");
        }
        var tail = Number("tailLines");
        var limit = Number("limitBytes");
        var sinceSeconds = Number("sinceSeconds");
        DateTime? sinceTime = null;
        var sinceTimeText = query["sinceTime"].ToString();
        if (sinceTimeText.Length > 0)
        {
            if (!DateTime.TryParse(sinceTimeText, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
                throw StatusException.BadRequest($"parsing time {FieldErrors.GoQuote(sinceTimeText)} as \"2006-01-02T15:04:05Z07:00\": cannot parse");
            sinceTime = parsed;
        }
        if (tail < 0) causes.Add(FieldErrors.Invalid("tailLines", tail.Value, "must be greater than or equal to 0"));
        if (limit < 1) causes.Add(FieldErrors.Invalid("limitBytes", limit.Value, "must be greater than 0"));
        if (sinceSeconds is not null && sinceTime is not null)
            causes.Add(FieldErrors.Forbidden("", "at most one of `sinceTime` or `sinceSeconds` may be specified"));
        else if (sinceSeconds < 1) causes.Add(FieldErrors.Invalid("sinceSeconds", sinceSeconds.Value, "must be greater than 0"));
        if (causes.Count > 0) throw StatusException.Invalid("PodLogOptions", podName, causes);

        var since = sinceTime ?? (sinceSeconds is { } seconds ? DateTime.UtcNow.AddSeconds(-seconds) : null);
        var container = query["container"].ToString();
        return new Options(container.Length == 0 ? null : container, KubeletEndpoints.Flag(context, "follow"), KubeletEndpoints.Flag(context, "previous"),
            KubeletEndpoints.Flag(context, "timestamps"), tail, limit, since);
    }

    /// <summary>Writes log lines as the kubelet does: optional fixed-width RFC 3339 nano timestamp, text, newline; stops at limitBytes.</summary>
    private sealed class LogWriter(HttpResponse response, Options options, CancellationToken cancellationToken)
    {
        private long _written;

        /// <summary>False once limitBytes is reached.</summary>
        public async Task<bool> WriteAsync(LogLine line)
        {
            var text = options.Timestamps ? FormatTimestamp(line.Timestamp) + " " + line.Text + "\n" : line.Text + "\n";
            var bytes = Encoding.UTF8.GetBytes(text);
            var count = bytes.Length;
            if (options.LimitBytes is { } limit) count = (int)Math.Min(count, limit - _written);
            if (count > 0) await response.Body.WriteAsync(bytes.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
            _written += count;
            return options.LimitBytes is not { } max || _written < max;
        }
    }

    /// <summary>kubelet's timeFormatOut "2006-01-02T15:04:05.000000000Z07:00" (always nine fraction digits).</summary>
    internal static string FormatTimestamp(DateTime utc) =>
        utc.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'00Z'", CultureInfo.InvariantCulture);
}
