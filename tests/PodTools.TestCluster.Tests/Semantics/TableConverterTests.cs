using System.Text.Json.Nodes;
using PodTools.TestCluster.Semantics;

namespace PodTools.TestCluster.Tests.Semantics;

public class TableConverterTests
{
    private static readonly DateTime Now = new(2026, 1, 10, 12, 0, 0, DateTimeKind.Utc);

    private static JsonObject Pod(string status, string spec = """{"containers":[{"name":"app","image":"nginx"}]}""", string metadataExtra = "") =>
        JsonNode.Parse($$"""
            {"metadata":{"name":"web","namespace":"default","creationTimestamp":"2026-01-10T11:55:00Z"{{metadataExtra}}},
             "spec":{{spec}},"status":{{status}}}
            """)!.AsObject();

    // Cells as JSON text without HTML escaping, so "<none>" reads as written.
    private static string Cells(JsonNode row) =>
        row["cells"]!.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    private static string StatusCell(JsonObject pod) => PodPrinting.Summarize(pod, Now).Status;

    public static TheoryData<string, string, string, string> PrintPodCases => new()
    {
        // name, spec, status, expected STATUS
        { "pending, unscheduled", """{"containers":[{"name":"app","image":"x"}]}""", """{"phase":"Pending"}""", "Pending" },
        { "scheduling gated", """{"containers":[{"name":"app","image":"x"}]}""", """{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]}""", "SchedulingGated" },
        { "container creating", """{"containers":[{"name":"app","image":"x"}]}""", """{"phase":"Pending","containerStatuses":[{"name":"app","ready":false,"restartCount":0,"state":{"waiting":{"reason":"ContainerCreating"}}}]}""", "ContainerCreating" },
        { "running", """{"containers":[{"name":"app","image":"x"}]}""", """{"phase":"Running","containerStatuses":[{"name":"app","ready":true,"restartCount":0,"state":{"running":{"startedAt":"2026-01-10T11:56:00Z"}}}]}""", "Running" },
        { "crash loop", """{"containers":[{"name":"app","image":"x"}]}""", """{"phase":"Running","containerStatuses":[{"name":"app","ready":false,"restartCount":3,"state":{"waiting":{"reason":"CrashLoopBackOff"}},"lastState":{"terminated":{"exitCode":1,"reason":"Error","finishedAt":"2026-01-10T11:55:00Z"}}}]}""", "CrashLoopBackOff" },
        { "image pull backoff", """{"containers":[{"name":"app","image":"x"}]}""", """{"phase":"Pending","containerStatuses":[{"name":"app","ready":false,"restartCount":0,"state":{"waiting":{"reason":"ImagePullBackOff"}}}]}""", "ImagePullBackOff" },
        { "completed", """{"containers":[{"name":"app","image":"x"}]}""", """{"phase":"Succeeded","containerStatuses":[{"name":"app","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}""", "Completed" },
        { "error", """{"containers":[{"name":"app","image":"x"}]}""", """{"phase":"Failed","containerStatuses":[{"name":"app","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":2,"reason":"Error"}}}]}""", "Error" },
        { "exit code without reason", """{"containers":[{"name":"app","image":"x"}]}""", """{"phase":"Failed","containerStatuses":[{"name":"app","state":{"terminated":{"exitCode":3}}}]}""", "ExitCode:3" },
        { "signal without reason", """{"containers":[{"name":"app","image":"x"}]}""", """{"phase":"Failed","containerStatuses":[{"name":"app","state":{"terminated":{"exitCode":137,"signal":9}}}]}""", "Signal:9" },
        { "completed next to running and ready", """{"containers":[{"name":"a","image":"x"},{"name":"b","image":"x"}]}""", """{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}},{"name":"b","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}""", "Running" },
        { "completed next to running, not ready", """{"containers":[{"name":"a","image":"x"},{"name":"b","image":"x"}]}""", """{"phase":"Running","conditions":[{"type":"Ready","status":"False"}],"containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}},{"name":"b","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}""", "NotReady" },
        { "evicted", """{"containers":[{"name":"app","image":"x"}]}""", """{"phase":"Failed","reason":"Evicted","message":"The node was low on resource: memory."}""", "Evicted" },
        { "init 0 of 2 running", """{"initContainers":[{"name":"i1","image":"x"},{"name":"i2","image":"x"}],"containers":[{"name":"app","image":"x"}]}""", """{"phase":"Pending","initContainerStatuses":[{"name":"i1","state":{"running":{}}},{"name":"i2","state":{"waiting":{"reason":"PodInitializing"}}}],"containerStatuses":[{"name":"app","state":{"waiting":{"reason":"PodInitializing"}}}]}""", "Init:0/2" },
        { "init 1 of 2 done", """{"initContainers":[{"name":"i1","image":"x"},{"name":"i2","image":"x"}],"containers":[{"name":"app","image":"x"}]}""", """{"phase":"Pending","initContainerStatuses":[{"name":"i1","state":{"terminated":{"exitCode":0,"reason":"Completed"}}},{"name":"i2","state":{"running":{}}}]}""", "Init:1/2" },
        { "init crash loop", """{"initContainers":[{"name":"i1","image":"x"}],"containers":[{"name":"app","image":"x"}]}""", """{"phase":"Pending","initContainerStatuses":[{"name":"i1","restartCount":2,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}""", "Init:CrashLoopBackOff" },
        { "init error", """{"initContainers":[{"name":"i1","image":"x"}],"containers":[{"name":"app","image":"x"}]}""", """{"phase":"Failed","initContainerStatuses":[{"name":"i1","state":{"terminated":{"exitCode":1,"reason":"Error"}}}]}""", "Init:Error" },
        { "init exit code", """{"initContainers":[{"name":"i1","image":"x"}],"containers":[{"name":"app","image":"x"}]}""", """{"phase":"Failed","initContainerStatuses":[{"name":"i1","state":{"terminated":{"exitCode":4}}}]}""", "Init:ExitCode:4" },
        { "init signal", """{"initContainers":[{"name":"i1","image":"x"}],"containers":[{"name":"app","image":"x"}]}""", """{"phase":"Failed","initContainerStatuses":[{"name":"i1","state":{"terminated":{"exitCode":137,"signal":9}}}]}""", "Init:Signal:9" },
    };

    [Theory]
    [MemberData(nameof(PrintPodCases))]
    public void Pod_status_column_follows_printPod(string description, string spec, string status, string expected)
    {
        Assert.True(description.Length > 0);
        Assert.Equal(expected, StatusCell(Pod(status, spec)));
    }

    [Fact]
    public void Deleting_pods_read_Terminating_unless_finished_or_on_a_lost_node()
    {
        const string running = """{"phase":"Running","containerStatuses":[{"name":"app","ready":true,"state":{"running":{}}}]}""";
        const string deleting = ""","deletionTimestamp":"2026-01-10T11:59:00Z" """;
        Assert.Equal("Terminating", StatusCell(Pod(running, metadataExtra: deleting)));
        Assert.Equal("Unknown", StatusCell(Pod("""{"phase":"Running","reason":"NodeLost"}""", metadataExtra: deleting)));
        Assert.Equal("Completed", StatusCell(Pod("""{"phase":"Succeeded","containerStatuses":[{"name":"app","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}""", metadataExtra: deleting)));
    }

    [Fact]
    public void Ready_counts_ready_running_containers_and_started_sidecars()
    {
        var pod = Pod(
            """{"phase":"Running","initContainerStatuses":[{"name":"proxy","ready":true,"started":true,"state":{"running":{}}}],"containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}},{"name":"b","ready":false,"state":{"running":{}}}]}""",
            """{"initContainers":[{"name":"proxy","image":"x","restartPolicy":"Always"}],"containers":[{"name":"a","image":"x"},{"name":"b","image":"x"}]}""");
        var summary = PodPrinting.Summarize(pod, Now);
        Assert.Equal("2/3", summary.Ready);
        Assert.Equal("Running", summary.Status);
    }

    [Fact]
    public void Restarts_show_the_count_and_how_long_ago_the_last_one_ended()
    {
        var pod = Pod("""{"phase":"Running","containerStatuses":[{"name":"a","restartCount":2,"state":{"running":{}},"lastState":{"terminated":{"exitCode":1,"finishedAt":"2026-01-10T11:55:00Z"}}},{"name":"b","restartCount":1,"state":{"running":{}},"lastState":{"terminated":{"exitCode":1,"finishedAt":"2026-01-10T11:50:00Z"}}}]}""",
            """{"containers":[{"name":"a","image":"x"},{"name":"b","image":"x"}]}""");
        Assert.Equal("3 (5m ago)", PodPrinting.Summarize(pod, Now).Restarts);
        Assert.Equal("0", PodPrinting.Summarize(Pod("""{"phase":"Pending"}"""), Now).Restarts);
    }

    [Theory]
    [InlineData(-5, "<invalid>")]
    [InlineData(-1, "0s")]
    [InlineData(0, "0s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(150, "2m30s")]
    [InlineData(600, "10m")]
    [InlineData(3 * 3600 - 1, "179m")]
    [InlineData(3 * 3600, "3h")]
    [InlineData(3 * 3600 + 60 * 7, "3h7m")]
    [InlineData(8 * 3600, "8h")]
    [InlineData(47 * 3600, "47h")]
    [InlineData(48 * 3600, "2d")]
    [InlineData(51 * 3600, "2d3h")]
    [InlineData(8 * 86400, "8d")]
    [InlineData(730 * 86400, "2y")]
    [InlineData(735 * 86400, "2y5d")]
    [InlineData(9 * 365 * 86400, "9y")]
    public void Human_duration_matches_apimachinery(long seconds, string expected)
    {
        Assert.Equal(expected, HumanDuration.Format(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void Pod_table_has_kubectl_columns_wide_cells_and_partial_metadata()
    {
        var pod = Pod("""{"phase":"Running","podIP":"10.244.1.5","podIPs":[{"ip":"10.244.1.5"}],"containerStatuses":[{"name":"app","ready":true,"restartCount":0,"state":{"running":{}}}]}""",
            """{"nodeName":"worker001","containers":[{"name":"app","image":"nginx"}]}""");
        var table = TableConverter.ToTable("Pod", [pod], new JsonObject { ["resourceVersion"] = "42" }, Now, includeObject: false);

        Assert.Equal("Table", (string?)table["kind"]);
        Assert.Equal("meta.k8s.io/v1", (string?)table["apiVersion"]);
        Assert.Equal("42", (string?)table["metadata"]!["resourceVersion"]);
        var columns = table["columnDefinitions"]!.AsArray();
        Assert.Equal(["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"], columns.Select(c => (string)c!["name"]!));
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1], columns.Select(c => (int)c!["priority"]!));
        Assert.Equal("name", (string?)columns[0]!["format"]);
        var row = table["rows"]![0]!;
        Assert.Equal("""["web","1/1","Running","0","5m","10.244.1.5","worker001","<none>","<none>"]""", Cells(row));
        Assert.Equal("PartialObjectMetadata", (string?)row["object"]!["kind"]);
        Assert.Equal("web", (string?)row["object"]!["metadata"]!["name"]);
        Assert.Null(row["object"]!["spec"]);
    }

    [Fact]
    public void Finished_pods_carry_a_Completed_row_condition_and_full_objects_when_asked()
    {
        var pod = Pod("""{"phase":"Succeeded"}""");
        var row = TableConverter.ToTable("Pod", [pod], new JsonObject(), Now, includeObject: true)["rows"]![0]!;
        Assert.Equal("""[{"type":"Completed","status":"True","reason":"Succeeded","message":"The pod has completed successfully."}]""", row["conditions"]!.ToJsonString());
        Assert.Equal("Succeeded", (string?)row["object"]!["status"]!["phase"]);
    }

    [Fact]
    public void Node_table_shows_status_roles_version_and_addresses()
    {
        var node = JsonNode.Parse("""
            {"metadata":{"name":"master001","creationTimestamp":"2026-01-08T12:00:00Z","labels":{"node-role.kubernetes.io/control-plane":"","kubernetes.io/hostname":"master001"}},
             "spec":{"unschedulable":true},
             "status":{"conditions":[{"type":"Ready","status":"True"}],"addresses":[{"type":"InternalIP","address":"192.168.0.10"},{"type":"Hostname","address":"master001"}],
                       "nodeInfo":{"kubeletVersion":"v1.31.0","osImage":"Ubuntu 24.04 LTS","kernelVersion":"6.8.0","containerRuntimeVersion":"containerd://1.7.20"}}}
            """)!.AsObject();
        var table = TableConverter.ToTable("Node", [node], new JsonObject(), Now, includeObject: false);
        Assert.Equal(["Name", "Status", "Roles", "Age", "Version", "Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"],
            table["columnDefinitions"]!.AsArray().Select(c => (string)c!["name"]!));
        Assert.Equal("""["master001","Ready,SchedulingDisabled","control-plane","2d","v1.31.0","192.168.0.10","<none>","Ubuntu 24.04 LTS","6.8.0","containerd://1.7.20"]""",
            Cells(table["rows"]![0]!));
    }

    [Fact]
    public void Namespace_and_event_tables()
    {
        var ns = JsonNode.Parse("""{"metadata":{"name":"default","creationTimestamp":"2026-01-10T09:00:00Z"},"status":{"phase":"Active"}}""")!.AsObject();
        Assert.Equal("""["default","Active","3h"]""", Cells(TableConverter.ToTable("Namespace", [ns], new JsonObject(), Now, false)["rows"]![0]!));

        var ev = JsonNode.Parse("""
            {"metadata":{"name":"web.1"},"involvedObject":{"kind":"Pod","name":"web"},"reason":"FailedScheduling","type":"Warning",
             "message":"0/3 nodes are available. ","source":{"component":"default-scheduler"},"firstTimestamp":"2026-01-10T11:50:00Z","lastTimestamp":"2026-01-10T11:58:00Z","count":4}
            """)!.AsObject();
        var table = TableConverter.ToTable("Event", [ev], new JsonObject(), Now, false);
        Assert.Equal("""["2m","Warning","FailedScheduling","pod/web","","default-scheduler","0/3 nodes are available.","10m",4,"web.1"]""", Cells(table["rows"]![0]!));
    }
}
