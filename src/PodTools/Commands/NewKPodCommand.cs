using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using PodTools.Completers;
using PodTools.Engine.Bulk;
using PodTools.Engine.Errors;
using PodTools.Engine.Labels;
using PodTools.Engine.Model;
using PodTools.Engine.Pods.Create;

namespace PodTools.Commands;

/// <summary>
/// New-KPod: creates pods from manifests (-Path), from objects (-InputObject: manifest text, a hashtable shaped
/// like a pod, a pod to clone) or from parameters (-Name -Image, -Container). Input is validated client-side
/// first; the pods are then created concurrently, with -WhatIf as a server-side dry run and -Wait until ready.
/// </summary>
[Cmdlet(VerbsCommon.New, "KPod", DefaultParameterSetName = InputObjectSet, SupportsShouldProcess = true)]
[OutputType(typeof(KPod))]
public sealed class NewKPodCommand : NamespacedKubeCmdlet
{
    private const string PathSet = "Path";
    private const string InputObjectSet = "InputObject";
    private const string ParametersSet = "Parameters";

    private PipelineBulkRun<CreateWork, CreateResult>? _bulk;

    /// <summary>Manifest files (YAML or JSON); wildcards are resolved by the provider.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    /// <summary>A pod to clone (Get-KPod), a hashtable or object shaped like a pod, manifest text, or a file from Get-ChildItem.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <summary>The pod's name (and the name of the -Image container).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParametersSet)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>The image of a container named after the pod.</summary>
    [Parameter(ParameterSetName = ParametersSet)]
    [ValidateNotNullOrEmpty]
    public string? Image { get; set; }

    [Parameter(ParameterSetName = ParametersSet)]
    [ValidateRange(1, 65535)]
    public int[]? Port { get; set; }

    [Parameter(ParameterSetName = ParametersSet)]
    public IDictionary? Env { get; set; }

    [Parameter(ParameterSetName = ParametersSet)]
    public string[]? Command { get; set; }

    [Parameter(ParameterSetName = ParametersSet)]
    [Alias("Args")]
    public string[]? Argument { get; set; }

    [Parameter(ParameterSetName = ParametersSet)]
    public IDictionary? Label { get; set; }

    [Parameter(ParameterSetName = ParametersSet)]
    public IDictionary? Annotation { get; set; }

    [Parameter(ParameterSetName = ParametersSet)]
    public IDictionary? NodeSelector { get; set; }

    [Parameter(ParameterSetName = ParametersSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string? NodeName { get; set; }

    [Parameter(ParameterSetName = ParametersSet)]
    [ValidateSet("Always", "OnFailure", "Never")]
    public string? RestartPolicy { get; set; }

    /// <summary>Containers: New-KContainerSpec objects or hashtables with Kubernetes container fields.</summary>
    [Parameter(ParameterSetName = ParametersSet)]
    [ValidateNotNullOrEmpty]
    public object[]? Container { get; set; }

    /// <summary>Wait until each pod is Running and Ready, or fail with the reason it cannot get there.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Seconds -Wait waits per pod.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Timeout { get; set; } = 300;

    /// <summary>Most pods created at once.</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int ThrottleLimit { get; set; } = 16;

    // An unusable combination of parameters ends the command before any input is read.
    protected override void BeginProcessing()
    {
        if (ParameterSetName == ParametersSet && string.IsNullOrEmpty(Image) && Container is null)
        {
            ThrowTerminatingError(new ErrorRecord(new PSArgumentException("Give -Image, -Container, or both."),
                "ImageOrContainerRequired", ErrorCategory.InvalidArgument, Name));
        }

        if (ParameterSetName == ParametersSet && string.IsNullOrEmpty(Image)
            && (Port is not null || Env is not null || Command is not null || Argument is not null))
        {
            ThrowTerminatingError(new ErrorRecord(
                new PSArgumentException("-Port, -Env, -Command and -Argument describe the -Image container; give them inside the -Container specs instead."),
                "ImageParametersWithoutImage", ErrorCategory.InvalidArgument, Name));
        }
    }

    protected override void ProcessRecord()
    {
        foreach (var batch in ReadInput())
        {
            foreach (var error in batch.Errors)
            {
                WriteError(ToErrorRecord(error));
            }

            foreach (var draft in batch.Pods)
            {
                Accept(draft);
            }
        }
    }

    protected override void EndProcessing()
    {
        if (_bulk?.Complete() is { } summary)
        {
            WriteVerbose($"New-KPod: {summary}");
        }
    }

    // One pod created without -Wait is done too soon for a progress bar to help.
    private PipelineBulkRun<CreateWork, CreateResult> Bulk => _bulk ??= new(this, "pod", CreateOperation,
        new BulkOptions { ThrottleLimit = ThrottleLimit }, Report) { ShowProgress = Wait.IsPresent };

    // Asks once per pod (its namespace resolved), then hands it to the bulk run, which starts with the first pod so
    // pods are created while the pipeline still delivers input; -WhatIf turns the create into a server dry run.
    private void Submit(PodDraft draft, string ns)
    {
        string target = $"pod '{draft.Name}' in namespace '{ns}'";
        bool create = ShouldProcess($"Performing the operation \"Create\" on target \"{target}\".",
            $"Are you sure you want to create {target}?", "Confirm", out ShouldProcessReason reason);
        if (!create && reason != ShouldProcessReason.WhatIf)
        {
            return;
        }

        Bulk.Submit(new CreateWork(draft, ns, DryRun: !create));
        // A second pod makes it a batch worth a progress bar.
        Bulk.ShowProgress |= Bulk.Submitted > 1;
        Bulk.WriteReady();
    }

    private Func<CreateWork, CancellationToken, Task<CreateResult>> CreateOperation()
    {
        var creator = new PodCreator(Connection);
        bool wait = Wait.IsPresent;
        var timeout = TimeSpan.FromSeconds(Timeout);
        return async (item, token) =>
        {
            var pod = await creator.CreateAsync(item.Draft, item.Namespace, item.DryRun, token).ConfigureAwait(false);
            if (!wait || item.DryRun)
            {
                return new CreateResult(pod, null);
            }

            // A failed wait is the pod's outcome, not a reason to create it again: it never reaches the retry policy.
            try
            {
                return new CreateResult(await creator.WaitUntilReadyAsync(pod, timeout, token).ConfigureAwait(false), null);
            }
            catch (KubeEngineException error)
            {
                return new CreateResult(pod, error);
            }
            catch (Exception error) when (error is not OperationCanceledException || !token.IsCancellationRequested)
            {
                return new CreateResult(pod, new KubeEngineException("WaitFailed", KubeErrorCategory.ConnectionError,
                    $"waiting for pod '{pod.Name}' in namespace '{pod.Namespace}' failed: {error.Message}", pod, error));
            }
        };
    }

    private void Report(BulkOutcome<CreateWork, CreateResult> outcome)
    {
        var (draft, ns, dryRun) = outcome.Item;
        switch (outcome.Status)
        {
            case BulkItemStatus.Succeeded when dryRun:
                // What-if output goes to the host (information stream), never to the pipeline.
                string text = $"What if: the server accepted pod '{outcome.Result!.Pod.Name}' in namespace '{ns}' (dry run, not created):" +
                    Environment.NewLine + PodCreator.ToYaml(outcome.Result.Pod);
                WriteInformation(new HostInformationMessage { Message = text }, ["PSHOST", "WhatIf"]);
                break;
            case BulkItemStatus.Succeeded when outcome.Result!.WaitError is { } waitError:
                WriteError(ToErrorRecord(waitError));
                break;
            case BulkItemStatus.Succeeded:
                WriteObject(outcome.Result!.Pod);
                break;
            case BulkItemStatus.Failed:
                var error = outcome.Error as KubeEngineException
                    ?? new KubeEngineException("CreateFailed", KubeErrorCategory.NotSpecified,
                        $"creating pod '{draft.Name}' in namespace '{ns}' failed: {outcome.Error?.Message}", draft.Name, outcome.Error);
                WriteError(ToErrorRecord(error));
                break;
        }
    }

    // Validates a draft and resolves its namespace; a problem is reported now and nothing is sent for it.
    private void Accept(PodDraft draft)
    {
        var problems = PodValidator.Validate(draft);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                WriteError(ToErrorRecord(problem));
            }

            return;
        }

        string ns;
        try
        {
            ns = PodCreator.ResolveNamespace(draft, Namespace, Connection.DefaultNamespace);
        }
        catch (KubeEngineException error)
        {
            WriteError(ToErrorRecord(error));
            return;
        }

        if (LabelRules.ValidateNamespaceName(ns) is { Count: > 0 } nsProblems)
        {
            WriteError(new ErrorRecord(new PSArgumentException($"Invalid namespace \"{ns}\": {string.Join("; ", nsProblems)}"),
                "InvalidNamespace", ErrorCategory.InvalidArgument, ns));
            return;
        }

        Submit(draft, ns);
    }

    private IEnumerable<DraftBatch> ReadInput()
    {
        switch (ParameterSetName)
        {
            case PathSet:
                foreach (string path in Path!)
                {
                    foreach (var file in ResolveFiles(path))
                    {
                        yield return PodDraftBuilder.FromManifestFile(file);
                    }
                }

                break;
            case ParametersSet:
                yield return BuildFromParameters();
                break;
            default:
                yield return FromInputObject(InputObject);
                break;
        }
    }

    private DraftBatch BuildFromParameters()
    {
        try
        {
            return PodDraftBuilder.FromParameters(new PodParameters
            {
                Name = Name!,
                Image = Image,
                Ports = Port ?? [],
                Env = PowerShellValues.Pairs(Env),
                Command = Command,
                Arguments = Argument,
                Labels = PowerShellValues.Pairs(Label),
                Annotations = PowerShellValues.Pairs(Annotation),
                NodeSelector = PowerShellValues.Pairs(NodeSelector),
                NodeName = NodeName,
                RestartPolicy = RestartPolicy,
                Containers = (Container ?? []).Select(c => PowerShellValues.ToPlain(c) ?? new Hashtable()).ToList(),
            });
        }
        catch (KubeEngineException error)
        {
            return DraftBatch.Failed(error);
        }
    }

    private DraftBatch FromInputObject(PSObject? input)
    {
        object? value = input?.BaseObject;
        switch (value)
        {
            case null:
                return DraftBatch.Failed(new KubeEngineException("InvalidManifest", KubeErrorCategory.InvalidData,
                    "InputObject: null is not a pod", "InputObject"));
            case FileSystemInfo file:
                // Files from Get-ChildItem: read as manifests, as -Path would.
                return PodDraftBuilder.FromManifestFile(file.FullName);
            case PathInfo pathInfo:
                return PodDraftBuilder.FromManifestFile(pathInfo.ProviderPath);
            case PSCustomObject when FileNameOf(input!) is { } fullName:
                return PodDraftBuilder.FromManifestFile(fullName);
        }

        try
        {
            return PodDraftBuilder.FromInputObject(PowerShellValues.ToPlain(input)!);
        }
        catch (KubeEngineException error)
        {
            return DraftBatch.Failed(error);
        }
    }

    // An object that only points at a file (Get-ChildItem | Select-Object FullName): FullName by property name.
    private string? FileNameOf(PSObject input)
    {
        bool podShaped = input.Properties["apiVersion"] is not null || input.Properties["kind"] is not null
            || input.Properties["metadata"] is not null || input.Properties["spec"] is not null;
        object? value = input.Properties["FullName"]?.Value;
        return !podShaped && (value is PSObject wrapped ? wrapped.BaseObject : value) is string { Length: > 0 } fullName
            ? SessionState.Path.GetUnresolvedProviderPathFromPSPath(fullName)
            : null;
    }

    private IEnumerable<string> ResolveFiles(string path)
    {
        Collection<string> resolved;
        ProviderInfo provider;
        try
        {
            resolved = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider);
        }
        catch (ItemNotFoundException error)
        {
            WriteError(new ErrorRecord(error, "PathNotFound", ErrorCategory.ObjectNotFound, path));
            yield break;
        }

        if (provider.Name != "FileSystem")
        {
            WriteError(new ErrorRecord(new PSArgumentException($"'{path}' is not a file system path."),
                "PathNotFileSystem", ErrorCategory.InvalidArgument, path));
            yield break;
        }

        if (resolved.Count == 0)
        {
            WriteError(new ErrorRecord(new ItemNotFoundException($"No manifest matches '{path}'."),
                "PathNotFound", ErrorCategory.ObjectNotFound, path));
        }

        foreach (string file in resolved)
        {
            if (Directory.Exists(file))
            {
                WriteError(new ErrorRecord(new PSArgumentException($"'{file}' is a directory; pass the manifest files in it (e.g. '{file}{System.IO.Path.DirectorySeparatorChar}*.yaml')."),
                    "PathIsDirectory", ErrorCategory.InvalidArgument, file));
                continue;
            }

            yield return file;
        }
    }

    private sealed record CreateWork(PodDraft Draft, string Namespace, bool DryRun);

    private sealed record CreateResult(KPod Pod, KubeEngineException? WaitError);
}

/// <summary>
/// PowerShell values (hashtables, PSCustomObjects, arrays, PSObject wrappers) as the plain maps, lists and
/// scalars the engine reads; engine objects (pods, container specs) pass through unchanged.
/// </summary>
internal static class PowerShellValues
{
    private const int MaxDepth = 64;

    public static object? ToPlain(object? value) => ToPlain(value, 0);

    /// <summary>Key/value pairs of a hashtable in its own order (ordered dictionaries keep theirs); null values become "".</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Pairs(IDictionary? map)
    {
        if (map is null)
        {
            return [];
        }

        var pairs = new List<KeyValuePair<string, string>>();
        foreach (DictionaryEntry entry in map)
        {
            pairs.Add(new(LanguagePrimitives.ConvertTo<string>(entry.Key) ?? "",
                entry.Value is null ? "" : LanguagePrimitives.ConvertTo<string>(entry.Value) ?? ""));
        }

        return pairs;
    }

    private static object? ToPlain(object? value, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new KubeEngineException("InvalidManifest", KubeErrorCategory.InvalidData,
                "InputObject: the object is nested too deeply to be a pod", "InputObject");
        }

        if (value is PSObject wrapped)
        {
            if (wrapped.BaseObject is PSCustomObject)
            {
                var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in wrapped.Properties)
                {
                    properties[property.Name] = ToPlain(property.Value, depth + 1);
                }

                return properties;
            }

            value = wrapped.BaseObject;
        }

        switch (value)
        {
            case null or string or bool or char or Enum or DateTime:
            case int or long or short or byte or sbyte or ushort or uint or ulong or float or double or decimal:
            case KPod or KContainerSpec:
                return value;
            case IDictionary map:
                var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (DictionaryEntry entry in map)
                {
                    copy[LanguagePrimitives.ConvertTo<string>(entry.Key) ?? ""] = ToPlain(entry.Value, depth + 1);
                }

                return copy;
            case IEnumerable sequence:
                var list = new List<object?>();
                foreach (object? item in sequence)
                {
                    list.Add(ToPlain(item, depth + 1));
                }

                return list;
            default:
                // Raw Kubernetes objects (a V1Pod) go to the engine as they are; anything else is read as its properties.
                return PodExport.IsPod(value) ? value : PropertiesOf(value, depth);
        }
    }

    private static Dictionary<string, object?> PropertiesOf(object value, int depth)
    {
        var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in PSObject.AsPSObject(value).Properties)
        {
            if (property.IsGettable)
            {
                properties[property.Name] = ToPlain(property.Value, depth + 1);
            }
        }

        return properties;
    }
}
