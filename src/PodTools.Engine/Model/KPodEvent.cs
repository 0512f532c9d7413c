namespace PodTools.Engine.Model;

/// <summary>What happened to a pod in a watch: like the TYPE of a Kubernetes watch event (bookmarks and errors are handled by the engine).</summary>
public enum KPodEventType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>One change seen by Get-KPod -Watch: the change type and the pod as it was after the change (before it, for Deleted).</summary>
public sealed class KPodEvent
{
    public KPodEvent(KPodEventType type, KPod pod, DateTime timeUtc, bool isInitial = false)
    {
        Type = type;
        Pod = pod ?? throw new ArgumentNullException(nameof(pod));
        TimeUtc = timeUtc;
        IsInitial = isInitial;
    }

    public KPodEventType Type { get; }

    public KPod Pod { get; }

    /// <summary>The pod's name, so events bind to -Name of other cmdlets by property name.</summary>
    public string Name => Pod.Name;

    /// <summary>The pod's namespace, for pipeline binding by property name.</summary>
    public string Namespace => Pod.Namespace;

    /// <summary>The pod's READY column ("1/2"), so the event table needs no script.</summary>
    public string Ready => Pod.Ready;

    /// <summary>The pod's STATUS column after the change.</summary>
    public string Status => Pod.Status;

    /// <summary>The pod's RESTARTS column.</summary>
    public string RestartsText => Pod.RestartsText;

    /// <summary>The pod's AGE column.</summary>
    public string Age => Pod.Age;

    /// <summary>The pod's IP column (Wide view).</summary>
    public string? IP => Pod.IP;

    /// <summary>The pod's NODE column (Wide view).</summary>
    public string? Node => Pod.Node;

    /// <summary>The pod's NOMINATED NODE column (Wide view).</summary>
    public string? NominatedNode => Pod.NominatedNode;

    /// <summary>The pod's READINESS GATES column (Wide view).</summary>
    public string ReadinessGates => Pod.ReadinessGates;

    /// <summary>When the engine received the change.</summary>
    public DateTime TimeUtc { get; }

    /// <summary>True for the Added events that report the pods that existed when the watch started.</summary>
    public bool IsInitial { get; }

    public override string ToString() => $"{Type} {Pod.Namespace}/{Pod.Name}";
}
