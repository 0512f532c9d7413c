using k8s.Models;
using PodTools.Engine.Pods.Create;

namespace PodTools.Engine.Tests.PodCreate;

/// <summary>When a retried create may claim the pod it finds under its name as the one an earlier attempt made.</summary>
public class PodOwnershipTests
{
    private static readonly DateTimeOffset FirstAttempt = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static V1Pod Sent() => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "web",
            Labels = new Dictionary<string, string> { ["app"] = "web" },
            Annotations = new Dictionary<string, string> { ["note"] = "mine" },
        },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "nginx:1.27" }] },
    };

    // What the server keeps of what we sent: our fields plus defaults, a uid and a creation time.
    private static V1Pod Stored(DateTimeOffset createdAt, Action<V1Pod>? change = null)
    {
        var pod = Sent();
        pod.Metadata.Uid = "u-1";
        pod.Metadata.CreationTimestamp = createdAt.UtcDateTime;
        pod.Spec.Containers[0].ImagePullPolicy = "IfNotPresent";
        pod.Spec.RestartPolicy = "Always";
        change?.Invoke(pod);
        return pod;
    }

    [Fact]
    public void Claims_a_pod_made_from_what_was_sent_after_the_first_attempt_began() =>
        Assert.Null(PodCreator.WhyNotOurs(Sent(), Stored(FirstAttempt.AddSeconds(1)), FirstAttempt));

    [Fact]
    public void Allows_for_whole_second_timestamps_and_clock_skew() =>
        Assert.Null(PodCreator.WhyNotOurs(Sent(), Stored(FirstAttempt - PodCreator.ClockSkewAllowance), FirstAttempt));

    [Fact]
    public void Claims_a_pod_to_which_admission_added_labels_and_annotations() =>
        Assert.Null(PodCreator.WhyNotOurs(Sent(), Stored(FirstAttempt, p =>
        {
            p.Metadata.Labels["added"] = "by-webhook";
            p.Metadata.Annotations["seen"] = "yes";
        }), FirstAttempt));

    [Fact]
    public void Disowns_a_pod_older_than_the_first_attempt_less_the_allowance()
    {
        var reason = PodCreator.WhyNotOurs(Sent(), Stored(FirstAttempt - PodCreator.ClockSkewAllowance - TimeSpan.FromSeconds(1)), FirstAttempt);

        Assert.StartsWith("it was created at ", reason);
        Assert.EndsWith("before this command's first attempt", reason);
    }

    [Theory]
    [InlineData("image", "its containers differ from the ones sent")]
    [InlineData("container", "its containers differ from the ones sent")]
    [InlineData("init", "its containers differ from the ones sent")]
    [InlineData("label", "its label 'app' differs from the one sent")]
    [InlineData("annotation", "its annotation 'note' differs from the one sent")]
    [InlineData("time", "it has no creation time")]
    public void Disowns_a_pod_that_differs_from_what_was_sent(string difference, string reason)
    {
        var stored = Stored(FirstAttempt, p =>
        {
            switch (difference)
            {
                case "image": p.Spec.Containers[0].Image = "nginx:1.28"; break;
                case "container": p.Spec.Containers.Add(new V1Container { Name = "sidecar", Image = "envoy" }); break;
                case "init": p.Spec.InitContainers = [new V1Container { Name = "init", Image = "busybox" }]; break;
                case "label": p.Metadata.Labels.Remove("app"); break;
                case "annotation": p.Metadata.Annotations["note"] = "theirs"; break;
                case "time": p.Metadata.CreationTimestamp = null; break;
            }
        });

        Assert.Equal(reason, PodCreator.WhyNotOurs(Sent(), stored, FirstAttempt));
    }
}
