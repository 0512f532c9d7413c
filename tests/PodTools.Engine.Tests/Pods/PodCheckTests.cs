using k8s;
using k8s.Models;
using PodTools.Engine.Model;
using PodTools.Engine.Pods.Wait;
using PodTools.Engine.Tests.Fixtures;

namespace PodTools.Engine.Tests.Pods;

/// <summary>PodCheck.Evaluate on kubelet-shaped pod fixtures: when a wait is over, and when it can never succeed.</summary>
public sealed class PodCheckTests
{
    [Theory]
    [InlineData("running.json", PodCondition.Running, PodCheckState.Met, null)]
    [InlineData("running.json", PodCondition.Ready, PodCheckState.Met, null)]
    [InlineData("running-not-ready-container.json", PodCondition.Ready, PodCheckState.Pending, null)]
    [InlineData("running-not-ready-container.json", PodCondition.Running, PodCheckState.Met, null)]
    [InlineData("container-creating.json", PodCondition.Ready, PodCheckState.Pending, null)]
    [InlineData("crashloop.json", PodCondition.Ready, PodCheckState.Failed, "CrashLoopBackOff")]
    [InlineData("image-pull-backoff.json", PodCondition.Running, PodCheckState.Failed, "ImagePullBackOff")]
    [InlineData("init-crashloop.json", PodCondition.Ready, PodCheckState.Failed, "CrashLoopBackOff")]
    [InlineData("pending-unscheduled.json", PodCondition.Ready, PodCheckState.Failed, "Unschedulable")]
    [InlineData("completed.json", PodCondition.Completed, PodCheckState.Met, null)]
    [InlineData("completed.json", PodCondition.Ready, PodCheckState.Failed, "Completed")]
    [InlineData("evicted.json", PodCondition.Running, PodCheckState.Failed, "Evicted")]
    [InlineData("running.json", PodCondition.Deleted, PodCheckState.Pending, null)]
    public void Decides_the_condition_from_the_pod_status(string fixture, PodCondition condition, PodCheckState expected, string? reason)
    {
        var pod = KPod.From(KubernetesJson.Deserialize<V1Pod>(FixtureFiles.ReadText(Path.Combine("pods", fixture))));

        var check = PodCheck.Evaluate(pod, condition);

        Assert.Equal(expected, check.State);
        Assert.Equal(reason, check.Reason);
        if (expected == PodCheckState.Failed)
        {
            Assert.False(string.IsNullOrEmpty(check.Message));
        }
    }

    [Fact]
    public void Reports_the_schedulers_message_for_an_unschedulable_pod()
    {
        var pod = KPod.From(KubernetesJson.Deserialize<V1Pod>(FixtureFiles.ReadText(Path.Combine("pods", "pending-unscheduled.json"))));
        const string message = "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.";
        pod.Object.Status.Conditions.Single(c => c.Type == "PodScheduled").Message = message;

        Assert.Equal(message, PodCheck.Evaluate(pod, PodCondition.Running).Message);
    }
}
