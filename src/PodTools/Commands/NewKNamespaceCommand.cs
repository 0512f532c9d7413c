using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using PodTools.Engine.Errors;
using PodTools.Engine.Labels;
using PodTools.Engine.Model;
using PodTools.Engine.Namespaces;

namespace PodTools.Commands;

/// <summary>
/// New-KNamespace: creates namespaces by name or from YAML/JSON manifests. Names and labels are checked
/// client-side first; -WhatIf asks the server for a dry run.
/// </summary>
// Path is the default set so that a FileInfo (which has both Name and FullName) binds as a manifest file.
[Cmdlet(VerbsCommon.New, "KNamespace", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(KNamespace))]
public sealed class NewKNamespaceCommand : KubeCmdlet
{
    private const string NameSet = "Name";
    private const string PathSet = "Path";

    private Dictionary<string, string>? _labels;

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>YAML or JSON manifest files holding Namespace objects (several documents or a List per file).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

    /// <summary>Labels to set on every namespace created, e.g. @{ team = 'web' }.</summary>
    [Parameter]
    [ValidateNotNull]
    public Hashtable? Label { get; set; }

    protected override void BeginProcessing()
    {
        if (Label is null)
        {
            return;
        }

        // The same labels go on every namespace: a bad one makes the whole invocation unusable.
        _labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Label)
        {
            _labels[entry.Key?.ToString() ?? ""] = entry.Value?.ToString() ?? "";
        }

        var problems = LabelRules.ValidateLabels(_labels);
        if (problems.Count > 0)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException(string.Join("; ", problems)), "InvalidLabel",
                ErrorCategory.InvalidArgument, Label));
        }
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == NameSet)
        {
            foreach (string name in Name)
            {
                NamespaceDraft draft;
                try
                {
                    draft = NamespaceService.Draft(name, _labels);
                }
                catch (KubeEngineException error)
                {
                    WriteError(ToErrorRecord(error));
                    continue;
                }

                Create(draft);
            }

            return;
        }

        foreach (string file in ResolveFiles())
        {
            IReadOnlyList<NamespaceDraft> drafts;
            try
            {
                drafts = NamespaceService.ReadManifest(file, _labels);
            }
            catch (KubeEngineException error)
            {
                WriteError(ToErrorRecord(error));
                continue;
            }

            foreach (var draft in drafts)
            {
                if (draft.Error is not null)
                {
                    WriteError(ToErrorRecord(draft.Error));
                    continue;
                }

                Create(draft);
            }
        }
    }

    private void Create(NamespaceDraft draft)
    {
        var service = new NamespaceService(Connection);
        if (ShouldProcess($"namespace '{draft.Name}'", "Create"))
        {
            if (Await(token => service.CreateAsync(draft, dryRun: false, token)) is { } created)
            {
                WriteObject(created);
            }
        }
        else if (IsWhatIf())
        {
            // The server checks the object (admission, name taken, permissions) without storing it.
            if (Await(token => service.CreateAsync(draft, dryRun: true, token)) is { } checkedByServer)
            {
                WriteInformation(new HostInformationMessage
                {
                    Message = $"What if: the server accepted namespace '{checkedByServer.Name}' (server dry run; labels: {checkedByServer.LabelsText}).",
                }, ["PSHOST"]);
            }
        }
    }

    private bool IsWhatIf() =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? whatIf)
            ? LanguagePrimitives.IsTrue(whatIf)
            : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference", false));

    private IEnumerable<string> ResolveFiles()
    {
        foreach (string path in Path)
        {
            Collection<string>? files = null;
            try
            {
                files = GetResolvedProviderPathFromPSPath(path, out _);
            }
            catch (ItemNotFoundException error)
            {
                WriteError(new ErrorRecord(error, "PathNotFound", ErrorCategory.ObjectNotFound, path));
            }

            if (files is null)
            {
                continue;
            }

            if (files.Count == 0)
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"No file matches '{path}'."), "PathNotFound",
                    ErrorCategory.ObjectNotFound, path));
            }

            foreach (string file in files)
            {
                yield return file;
            }
        }
    }
}
