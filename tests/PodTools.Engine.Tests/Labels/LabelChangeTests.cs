using System.Text.Json;
using PodTools.Engine.Labels;

namespace PodTools.Engine.Tests.Labels;

public class LabelChangeTests
{
    private static readonly Dictionary<string, string> Current = new() { ["app"] = "web", ["env"] = "dev" };

    private static KeyValuePair<string, string?> Pair(string key, string? value) => new(key, value);

    [Fact]
    public void Describes_additions_changes_and_removals_like_WhatIf_shows_them()
    {
        var change = LabelChange.ForLabels([Pair("tier", "frontend"), Pair("env", "prod"), Pair("app", null)], overwrite: true);

        var plan = change.PlanFor(Current);

        Assert.Equal(["app: web -> (removed)", "env: dev -> prod", "tier: (none) -> frontend"], plan.Describe());
        Assert.True(plan.CanApply);
        Assert.False(plan.IsNoOp);
    }

    [Fact]
    public void Refuses_to_change_an_existing_label_without_overwrite()
    {
        var plan = LabelChange.ForLabels([Pair("env", "prod"), Pair("tier", "frontend")]).PlanFor(Current);

        var conflict = Assert.Single(plan.Conflicts);
        Assert.Equal("'env' already has a value (dev), and --overwrite is false", conflict.Message);
        Assert.False(plan.CanApply);
        Assert.Equal(["tier: (none) -> frontend"], plan.Describe());
    }

    [Fact]
    public void Setting_the_value_a_label_already_has_is_no_conflict_and_no_change()
    {
        var plan = LabelChange.ForLabels([Pair("env", "dev")]).PlanFor(Current);

        Assert.Empty(plan.Conflicts);
        Assert.True(plan.IsNoOp);
    }

    [Fact]
    public void Removing_an_absent_label_changes_nothing()
    {
        var plan = LabelChange.ForLabels(null, remove: ["tier"]).PlanFor(Current);

        Assert.True(plan.IsNoOp);
        Assert.Empty(plan.Describe());
    }

    [Fact]
    public void Merge_patch_sets_values_and_nulls_removed_keys()
    {
        var change = LabelChange.ForLabels([Pair("tier", "frontend")], remove: ["app"], overwrite: true);

        string patch = change.PlanFor(Current).ToMergePatch();

        Assert.Equal("""{"metadata":{"labels":{"app":null,"tier":"frontend"}}}""", patch);
    }

    [Fact]
    public void Merge_patch_carries_the_resource_version_precondition()
    {
        string patch = LabelChange.ForLabels([Pair("tier", "frontend")]).PlanFor(Current, resourceVersion: "4711").ToMergePatch();

        using var document = JsonDocument.Parse(patch);
        Assert.Equal("4711", document.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString());
        Assert.Equal("frontend", document.RootElement.GetProperty("metadata").GetProperty("labels").GetProperty("tier").GetString());
    }

    [Fact]
    public void Without_current_values_every_requested_key_is_planned_and_reading_is_advised_unless_overwriting()
    {
        var plan = LabelChange.ForLabels([Pair("tier", "frontend"), Pair("old", null)]).PlanFor(null);

        Assert.Equal(["old: (unknown) -> (removed)", "tier: (unknown) -> frontend"], plan.Describe());
        Assert.True(plan.NeedsCurrentValues);
        Assert.False(plan.IsNoOp);
        Assert.False(LabelChange.ForLabels([Pair("tier", "frontend")], overwrite: true).PlanFor(null).NeedsCurrentValues);
        Assert.False(LabelChange.ForLabels(null, remove: ["tier"]).PlanFor(null).NeedsCurrentValues);
    }

    [Fact]
    public void Refuses_an_invalid_label_key_before_planning()
    {
        var error = Assert.Throws<InvalidLabelException>(() => LabelChange.ForLabels([Pair("-bad", "x")]));

        Assert.True(error.IsKeyProblem);
        Assert.Equal("-bad", error.Key);
    }

    [Fact]
    public void Refuses_an_invalid_label_value_before_planning()
    {
        var error = Assert.Throws<InvalidLabelException>(() => LabelChange.ForLabels([Pair("tier", "front end")]));

        Assert.False(error.IsKeyProblem);
        Assert.Equal("front end", error.Value);
    }

    [Fact]
    public void Refuses_an_invalid_key_to_remove()
    {
        Assert.Throws<InvalidLabelException>(() => LabelChange.ForLabels(null, remove: ["a/b/c"]));
    }

    [Fact]
    public void Refuses_to_both_set_and_remove_one_key()
    {
        var error = Assert.Throws<ArgumentException>(() => LabelChange.ForLabels([Pair("app", "web")], remove: ["app"]));

        Assert.StartsWith("can not both modify and remove a label in the same command", error.Message);
    }

    [Fact]
    public void Annotation_values_are_free_text_and_keys_case_insensitive()
    {
        var change = LabelChange.ForAnnotations([Pair("Example.com/Owner", "Team A <a@example.com>")]);

        var plan = change.PlanFor(new Dictionary<string, string>());

        Assert.Equal("""{"metadata":{"annotations":{"Example.com/Owner":"Team A <a@example.com>"}}}""", plan.ToMergePatch());
        Assert.Equal(MetadataKind.Annotations, plan.Kind);
    }

    [Fact]
    public void Annotations_share_the_overwrite_rule()
    {
        var plan = LabelChange.ForAnnotations([Pair("owner", "b")]).PlanFor(new Dictionary<string, string> { ["owner"] = "a" });

        Assert.Equal("'owner' already has a value (a), and --overwrite is false", Assert.Single(plan.Conflicts).Message);
    }

    [Fact]
    public void Annotations_over_256_KiB_are_refused_up_front()
    {
        Assert.Throws<ArgumentException>(() => LabelChange.ForAnnotations([Pair("k", new string('v', 262144))]));
    }

    [Fact]
    public void Annotations_over_256_KiB_together_with_the_current_ones_are_a_problem_of_the_plan()
    {
        var current = new Dictionary<string, string> { ["big"] = new string('a', 200_000) };

        var plan = LabelChange.ForAnnotations([Pair("more", new string('b', 70_000))]).PlanFor(current);
        var afterRemoval = LabelChange.ForAnnotations([Pair("more", new string('b', 70_000)), Pair("big", null)]).PlanFor(current);

        Assert.Equal(["metadata.annotations: Too long: must have at most 262144 bytes"], plan.Problems);
        Assert.False(plan.CanApply);
        Assert.Empty(afterRemoval.Problems);
    }

    [Fact]
    public void Label_values_may_be_empty()
    {
        var plan = LabelChange.ForLabels([Pair("canary", "")]).PlanFor(Current);

        Assert.Equal(["canary: (none) -> "], plan.Describe());
        Assert.Equal("""{"metadata":{"labels":{"canary":""}}}""", plan.ToMergePatch());
    }
}
