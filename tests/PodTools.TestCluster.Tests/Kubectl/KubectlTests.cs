using System.Net;
using static PodTools.TestCluster.Tests.Manifests;

namespace PodTools.TestCluster.Tests.Kubectl;

/// <summary>kubectl against the test cluster must print and return what it would against a real cluster.</summary>
public sealed class KubectlTests(KubectlFixture fixture) : IClassFixture<KubectlFixture>
{
    private Kubectl Kubectl => fixture.Kubectl;

    private async Task<string> NamespaceAsync()
    {
        var name = "k-" + Guid.NewGuid().ToString("N")[..8];
        var result = await Kubectl.RunAsync("create", "namespace", name);
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Equal($"namespace/{name} created\n", result.StdOut);
        return name;
    }

    private async Task CreatePodAsync(string ns, string name, string labels = "", string node = "worker001")
    {
        var pod = Pod(name, labels.Length == 0 ? null : Labels(labels.Split(',')), nodeName: node);
        var response = await fixture.Admin.PostAsync($"/api/v1/namespaces/{ns}/pods", pod);
        Assert.Equal(HttpStatusCode.Created, response.Status);
    }

    private async Task WaitForRunningAsync(string ns, string name) =>
        await EventuallyAsync(async () =>
            (string?)(await fixture.Admin.GetAsync($"/api/v1/namespaces/{ns}/pods/{name}")).Body?["status"]?["phase"] == "Running",
            $"pod {name} running");

    [KubectlFact]
    public async Task Get_pods_wide_prints_the_real_columns_and_values()
    {
        var ns = await NamespaceAsync();
        await CreatePodAsync(ns, "wide-1");
        await WaitForRunningAsync(ns, "wide-1");

        var result = await Kubectl.RunAsync("get", "pods", "-n", ns, "-o", "wide");

        Assert.Equal(0, result.ExitCode);
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$", lines[0]);
        Assert.Matches(@"^wide-1\s+1/1\s+Running\s+0\s+\d+s\s+10\.244\.\d+\.\d+\s+worker001\s+<none>\s+<none>$", lines[1]);
    }

    [KubectlFact]
    public async Task Set_based_selectors_select_like_a_real_cluster()
    {
        var ns = await NamespaceAsync();
        await CreatePodAsync(ns, "pa", "env=a,tier=web");
        await CreatePodAsync(ns, "pb", "env=b");
        await CreatePodAsync(ns, "pc", "env=c");

        var inSet = await Kubectl.RunAsync("get", "pods", "-n", ns, "-l", "env in (a,b)", "-o", "name");
        Assert.Equal("pod/pa\npod/pb\n", inSet.StdOut);
        var noTier = await Kubectl.RunAsync("get", "pods", "-n", ns, "-l", "!tier", "-o", "name");
        Assert.Equal("pod/pb\npod/pc\n", noTier.StdOut);
        var none = await Kubectl.RunAsync("get", "pods", "-n", ns, "-l", "env=zzz");
        Assert.Equal($"No resources found in {ns} namespace.\n", none.StdErr);
    }

    [KubectlFact]
    public async Task Label_refuses_to_change_a_value_without_overwrite_and_changes_it_with()
    {
        var ns = await NamespaceAsync();
        await CreatePodAsync(ns, "lab", "tier=front");

        var refused = await Kubectl.RunAsync("label", "pod", "lab", "-n", ns, "tier=back");
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("error: 'tier' already has a value (front), and --overwrite is false\n", refused.StdErr);

        var added = await Kubectl.RunAsync("label", "pod", "lab", "-n", ns, "extra=yes");
        Assert.Equal("pod/lab labeled\n", added.StdOut);

        var overwritten = await Kubectl.RunAsync("label", "pod", "lab", "-n", ns, "tier=back", "--overwrite");
        Assert.Equal(0, overwritten.ExitCode);
        Assert.Equal("pod/lab labeled\n", overwritten.StdOut);
        var labels = (await fixture.Admin.GetAsync($"/api/v1/namespaces/{ns}/pods/lab")).Object["metadata"]!["labels"]!;
        Assert.Equal("back", (string?)labels["tier"]);
        Assert.Equal("yes", (string?)labels["extra"]);

        var removed = await Kubectl.RunAsync("label", "pod", "lab", "-n", ns, "extra-");
        Assert.Equal("pod/lab unlabeled\n", removed.StdOut);
    }

    [KubectlFact]
    public async Task Annotate_sets_an_annotation()
    {
        var ns = await NamespaceAsync();
        await CreatePodAsync(ns, "ann");

        var result = await Kubectl.RunAsync("annotate", "pod", "ann", "-n", ns, "owner=team-a");

        Assert.Equal("pod/ann annotated\n", result.StdOut);
        var value = await Kubectl.RunAsync("get", "pod", "ann", "-n", ns, "-o", "jsonpath={.metadata.annotations.owner}");
        Assert.Equal("team-a", value.StdOut);
    }

    [KubectlFact]
    public async Task Create_from_a_file_schedules_a_two_container_pod_onto_the_node_its_selector_names()
    {
        var ns = await NamespaceAsync();
        var manifest = Path.Combine(fixture.Cluster.WorkDirectory, $"two-{ns}.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: v1
            kind: Pod
            metadata:
              name: two
              labels:
                app: two
            spec:
              nodeSelector:
                kubernetes.io/hostname: worker002
              containers:
              - name: web
                image: nginx:1.27
              - name: sidecar
                image: busybox:1.36
                command: ["sh", "-c", "echo ready; sleep 3600"]
            """);

        var created = await Kubectl.RunAsync("create", "-n", ns, "-f", manifest);
        Assert.True(created.ExitCode == 0, created.StdErr);
        Assert.Equal("pod/two created\n", created.StdOut);

        await WaitForRunningAsync(ns, "two");
        var result = await Kubectl.RunAsync("get", "pod", "two", "-n", ns, "-o", "wide", "--no-headers");
        Assert.Matches(@"^two\s+2/2\s+Running\s+0\s+\d+s\s+10\.244\.\d+\.\d+\s+worker002\s", result.StdOut);
    }

    [KubectlFact]
    public async Task Delete_by_label_deletes_the_matching_pods_and_waits_until_they_are_gone()
    {
        var ns = await NamespaceAsync();
        await CreatePodAsync(ns, "d1", "app=del");
        await CreatePodAsync(ns, "d2", "app=del");
        await CreatePodAsync(ns, "stay", "app=keep");

        var result = await Kubectl.RunAsync("delete", "pods", "-n", ns, "-l", "app=del");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("pod \"d1\" deleted\npod \"d2\" deleted\n", result.StdOut);
        var left = await Kubectl.RunAsync("get", "pods", "-n", ns, "-o", "name");
        Assert.Equal("pod/stay\n", left.StdOut);
    }

    [KubectlFact]
    public async Task Delete_namespace_waits_until_the_namespace_and_its_pods_are_gone()
    {
        var ns = await NamespaceAsync();
        await CreatePodAsync(ns, "inside");

        var result = await Kubectl.RunAsync("delete", "namespace", ns);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"namespace \"{ns}\" deleted\n", result.StdOut);
        var gone = await Kubectl.RunAsync("get", "namespace", ns);
        Assert.Equal(1, gone.ExitCode);
        Assert.Equal($"Error from server (NotFound): namespaces \"{ns}\" not found\n", gone.StdErr);
    }

    [KubectlFact]
    public async Task The_viewer_context_is_forbidden_to_write_and_the_bad_token_is_unauthorized()
    {
        var forbidden = await Kubectl.RunAsync("--context", "viewer", "label", "node", "worker001", "x=y");
        Assert.Equal(1, forbidden.ExitCode);
        Assert.Equal("Error from server (Forbidden): nodes \"worker001\" is forbidden: User \"viewer\" cannot patch resource \"nodes\" in API group \"\" at the cluster scope\n", forbidden.StdErr);

        var unauthorized = await Kubectl.RunAsync("--context", "bad-token", "get", "pods");
        Assert.Equal(1, unauthorized.ExitCode);
        Assert.Contains("error: You must be logged in to the server (Unauthorized)", unauthorized.StdErr);

        var byCertificate = await Kubectl.RunAsync("--context", "cert-admin", "get", "nodes", "-o", "name");
        Assert.Equal("node/master001\nnode/worker001\nnode/worker002\n", byCertificate.StdOut);
    }

    [KubectlFact]
    public async Task Api_resources_lists_the_served_kinds()
    {
        var result = await Kubectl.RunAsync("api-resources", "--no-headers");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["events", "namespaces", "nodes", "pods"], result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]));
    }

    [KubectlFact]
    public async Task Create_from_a_file_with_a_misspelt_field_fails_with_the_strict_decoding_error()
    {
        var ns = await NamespaceAsync();
        var manifest = Path.Combine(fixture.Cluster.WorkDirectory, $"typo-{ns}.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: v1
            kind: Pod
            metadata:
              name: typo
            spec:
              containers:
              - name: web
                image: nginx
                imagePullPolicyy: Always
            """);

        var result = await Kubectl.RunAsync("create", "-n", ns, "-f", manifest);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"Error from server (BadRequest): error when creating \"{manifest}\": Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field \"spec.containers[0].imagePullPolicyy\"\n", result.StdErr);
    }

    [KubectlFact]
    public async Task Logs_and_exec_reach_the_container_through_the_api_server()
    {
        var ns = await NamespaceAsync();
        var run = await Kubectl.RunAsync("run", "talker", "-n", ns, "--image=busybox", "--command", "--", "sh", "-c", "echo hello from talker; sleep 3600");
        Assert.True(run.ExitCode == 0, run.StdErr);
        await WaitForRunningAsync(ns, "talker");

        await EventuallyAsync(async () => (await Kubectl.RunAsync("logs", "talker", "-n", ns)).StdOut == "hello from talker\n", "the container's first line in its log");
        var exec = await Kubectl.RunAsync("exec", "talker", "-n", ns, "--", "sh", "-c", "echo $HOSTNAME");
        Assert.Equal("talker\n", exec.StdOut);

        var forbidden = await Kubectl.RunAsync("--context", "viewer", "exec", "talker", "-n", ns, "--", "true");
        Assert.Equal($"Error from server (Forbidden): pods \"talker\" is forbidden: User \"viewer\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"{ns}\"\n", forbidden.StdErr);
    }
}
