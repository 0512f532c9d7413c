using PodTools.Engine.Pods.Watch;

namespace PodTools.Engine.Tests.Pods;

public sealed class PodFieldSelectorTests
{
    [Theory]
    [InlineData(null, null, null, null)]
    [InlineData("metadata.name=a", null, null, "metadata.name=a")]
    [InlineData(null, "worker001", null, "spec.nodeName=worker001")]
    [InlineData(null, null, "running", "status.phase=Running")]
    [InlineData("metadata.name!=a", "worker002", "Pending", "metadata.name!=a,spec.nodeName=worker002,status.phase=Pending")]
    public void Joins_the_field_selector_node_and_phase(string? fieldSelector, string? node, string? phase, string? expected) =>
        Assert.Equal(expected, PodFieldSelector.Combine(fieldSelector, node, phase));

    [Fact]
    public void Refuses_an_unknown_phase() =>
        Assert.Throws<ArgumentException>(() => PodFieldSelector.Combine(null, null, "Sleeping"));
}
