using System.Text;
using k8s.Models;
using PodTools.Engine.Containers;
using PodTools.Engine.Errors;

namespace PodTools.Engine.Tests.Containers;

public class ExitStatusTests
{
    [Fact]
    public void Success_status_is_exit_code_zero() =>
        Assert.Equal(0, ChannelProtocol.ParseExit("{\"metadata\":{},\"status\":\"Success\"}").ExitCode);

    [Fact]
    public void No_status_at_all_is_success_as_client_go_reads_it() =>
        Assert.Equal(0, ChannelProtocol.ParseExit("").ExitCode);

    [Fact]
    public void NonZeroExitCode_status_gives_the_exit_code_from_its_cause()
    {
        var exit = ChannelProtocol.ParseExit(
            "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code: exit code 3\"," +
            "\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}");

        Assert.Equal(3, exit.ExitCode);
        Assert.False(exit.Succeeded);
    }

    [Fact]
    public void A_failure_without_an_exit_code_keeps_the_server_message()
    {
        var exit = ChannelProtocol.ParseExit(
            "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"Internal error occurred: error executing command in container: not found\",\"reason\":\"InternalError\"}");

        Assert.Null(exit.ExitCode);
        Assert.Contains("not found", exit.Message);
    }

    [Fact]
    public void Resize_message_is_the_json_the_kubelet_reads() =>
        Assert.Equal("{\"Width\":120,\"Height\":40}", Encoding.UTF8.GetString(ChannelProtocol.ResizeMessage(120, 40)));
}

public class LineSplitterTests
{
    [Fact]
    public void Joins_chunks_split_inside_lines_and_inside_characters()
    {
        var splitter = new LineSplitter();
        byte[] text = Encoding.UTF8.GetBytes("héllo\r\nwörld\nlast");
        var lines = new List<string>();
        foreach (byte b in text)
        {
            lines.AddRange(splitter.Add([b]));
        }

        Assert.Equal(["héllo", "wörld"], lines);
        Assert.Equal("last", splitter.Flush());
        Assert.Null(splitter.Flush());
    }
}

public class PortMappingTests
{
    [Theory]
    [InlineData("8080:80", 8080, 80)]
    [InlineData("5432", 5432, 5432)]
    [InlineData(":80", 0, 80)]
    public void Parses_kubectl_port_syntax(string text, int local, int remote) =>
        Assert.Equal(new PortMapping(local, remote), PortMapping.Parse(text));

    [Theory]
    [InlineData("http")]
    [InlineData("80:")]
    [InlineData("1:2:3")]
    [InlineData("70000")]
    [InlineData("0")]
    [InlineData("-1:80")]
    public void Refuses_what_is_not_a_mapping(string text) =>
        Assert.Equal("InvalidPortMapping", Assert.Throws<KubeEngineException>(() => PortMapping.Parse(text)).ErrorId);
}

public class LogTimestampTests
{
    [Fact]
    public void Splits_the_kubelet_timestamp_with_nanoseconds_off_the_line()
    {
        var (timestamp, text) = LogReader.SplitTimestamp("2026-11-28T16:05:23.123456789Z hello world");

        Assert.Equal("hello world", text);
        Assert.Equal(new DateTime(2026, 11, 28, 16, 5, 23, DateTimeKind.Utc).AddTicks(1234567), timestamp);
        Assert.Equal(DateTimeKind.Utc, timestamp!.Value.Kind);
    }

    [Fact]
    public void Keeps_a_line_without_a_timestamp_whole() =>
        Assert.Equal((null, "plain line here with spaces"), LogReader.SplitTimestamp("plain line here with spaces"));

    [Fact]
    public void An_empty_log_line_keeps_its_timestamp() =>
        Assert.Equal("", LogReader.SplitTimestamp("2026-11-28T16:05:23Z ").Text);
}

public class ContainerSelectionTests
{
    private static V1Pod Pod(string[] containers, string? annotated = null, string[]? init = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "web-1",
            Annotations = annotated is null ? null : new Dictionary<string, string> { [ContainerSelection.DefaultContainerAnnotation] = annotated },
        },
        Spec = new V1PodSpec
        {
            Containers = containers.Select(c => new V1Container { Name = c }).ToList(),
            InitContainers = init?.Select(c => new V1Container { Name = c }).ToList(),
        },
    };

    [Fact]
    public void The_only_container_is_the_default() => Assert.Equal("main", ContainerSelection.Resolve(Pod(["main"]), null));

    [Fact]
    public void The_annotation_names_the_default_of_several() =>
        Assert.Equal("b", ContainerSelection.Resolve(Pod(["a", "b"], annotated: "b"), null));

    [Fact]
    public void An_annotation_naming_no_container_is_ignored() =>
        Assert.Equal("ContainerNameRequired",
            Assert.Throws<KubeEngineException>(() => ContainerSelection.Resolve(Pod(["a", "b"], annotated: "zz"), null)).ErrorId);

    [Fact]
    public void Several_containers_without_a_choice_are_refused_with_the_choices_listed()
    {
        var error = Assert.Throws<KubeEngineException>(() => ContainerSelection.Resolve(Pod(["a", "b"], init: ["setup"]), null));

        Assert.Equal("ContainerNameRequired", error.ErrorId);
        Assert.Equal("a container name must be specified for pod web-1, choose one of: [a b] or one of the init containers: [setup]", error.Message);
    }

    [Fact]
    public void An_unknown_container_is_ContainerNotFound()
    {
        var error = Assert.Throws<KubeEngineException>(() => ContainerSelection.Resolve(Pod(["a", "b"]), "c"));

        Assert.Equal("ContainerNotFound", error.ErrorId);
        Assert.StartsWith("container c is not valid for pod web-1", error.Message);
    }

    [Fact]
    public void A_completed_pod_cannot_run_a_command()
    {
        var pod = Pod(["a"]);
        pod.Status = new V1PodStatus { Phase = "Succeeded" };

        Assert.Equal("PodNotRunning", ContainerSelection.NotRunning(pod, "a")!.ErrorId);
    }

    [Fact]
    public void A_running_container_can_run_a_command()
    {
        var pod = Pod(["a"]);
        pod.Status = new V1PodStatus
        {
            Phase = "Running",
            ContainerStatuses = [new V1ContainerStatus { Name = "a", State = new V1ContainerState { Running = new V1ContainerStateRunning() } }],
        };

        Assert.Null(ContainerSelection.NotRunning(pod, "a"));
    }
}
