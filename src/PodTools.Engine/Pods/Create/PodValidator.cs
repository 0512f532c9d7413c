using PodTools.Engine.Errors;
using PodTools.Engine.Labels;

namespace PodTools.Engine.Pods.Create;

/// <summary>
/// The API server's checks on what a user writes into a new pod (names, namespace, labels, annotations,
/// node selector, container names and images), run before any request so invalid input costs no round trip.
/// Messages read like the server's field errors, prefixed by the manifest position when there is one.
/// </summary>
public static class PodValidator
{
    /// <summary>Every problem of the draft, each as an error with a stable id (InvalidName, InvalidLabelKey, ...); empty when valid.</summary>
    public static IReadOnlyList<KubeEngineException> Validate(PodDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var errors = new List<KubeEngineException>();
        var metadata = draft.Pod.Metadata;
        var spec = draft.Pod.Spec;
        string name = metadata?.Name ?? "";

        void Add(string errorId, IReadOnlyList<string> path, string detail, bool atValue = true)
        {
            string where = draft.Position is { } position
                ? Prefix(position, ManifestPositions.Find(position, path, atValue))
                : "";
            string field = FieldPath(path);
            errors.Add(new KubeEngineException(errorId,
                errorId == "InvalidManifest" ? KubeErrorCategory.InvalidData : KubeErrorCategory.InvalidArgument,
                $"{where}Pod \"{draft.Name}\" is invalid: {field}: {detail}", draft.Name.Length > 0 ? draft.Name : draft.Source));
        }

        if (string.IsNullOrEmpty(name))
        {
            if (string.IsNullOrEmpty(metadata?.GenerateName))
            {
                Add("InvalidName", ["metadata", "name"], "Required value: name or generateName is required");
            }
        }
        else
        {
            foreach (string problem in LabelRules.ValidateResourceName(name))
            {
                Add("InvalidName", ["metadata", "name"], Invalid(name, problem));
            }
        }

        if (!string.IsNullOrEmpty(metadata?.NamespaceProperty))
        {
            foreach (string problem in LabelRules.ValidateNamespaceName(metadata.NamespaceProperty))
            {
                Add("InvalidNamespace", ["metadata", "namespace"], Invalid(metadata.NamespaceProperty, problem));
            }
        }

        ValidateLabelMap(metadata?.Labels, ["metadata", "labels"], Add);
        ValidateLabelMap(spec?.NodeSelector, ["spec", "nodeSelector"], Add);

        if (metadata?.Annotations is { Count: > 0 } annotations)
        {
            foreach (string problem in LabelRules.ValidateAnnotations(annotations.ToDictionary(a => a.Key, a => a.Value ?? "")))
            {
                // ValidateAnnotations words its messages with the field path already.
                string detail = problem.StartsWith("metadata.annotations: ", StringComparison.Ordinal)
                    ? problem["metadata.annotations: ".Length..]
                    : problem;
                Add("InvalidAnnotation", ["metadata", "annotations"], detail);
            }
        }

        var containers = spec?.Containers ?? [];
        if (containers.Count == 0)
        {
            Add("InvalidManifest", ["spec", "containers"], "Required value");
        }

        // A container named after an invalid pod name (New-KPod -Name -Image) is the same mistake: report it once.
        string? reported = errors.Any(e => e.ErrorId == "InvalidName") ? name : null;
        ValidateContainers(containers, "containers", reported, Add);
        ValidateContainers(spec?.InitContainers ?? [], "initContainers", reported, Add);
        return errors;
    }

    private delegate void Reporter(string errorId, IReadOnlyList<string> path, string detail, bool atValue = true);

    private static void ValidateLabelMap(IDictionary<string, string>? labels, string[] field, Reporter add)
    {
        if (labels is null)
        {
            return;
        }

        foreach (var (key, value) in labels.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            string[] path = [.. field, key];
            foreach (string problem in LabelRules.ValidateKey(key))
            {
                add("InvalidLabelKey", path, Invalid(key, problem), atValue: false);
            }

            foreach (string problem in LabelRules.ValidateValue(value ?? ""))
            {
                add("InvalidLabelValue", path, Invalid(value ?? "", problem));
            }
        }
    }

    private static void ValidateContainers(IList<k8s.Models.V1Container> containers, string field, string? alreadyReported, Reporter add)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < containers.Count; i++)
        {
            var container = containers[i];
            string index = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (string.IsNullOrEmpty(container.Name))
            {
                add("InvalidName", ["spec", field, index, "name"], "Required value");
            }
            else if (container.Name != alreadyReported)
            {
                foreach (string problem in LabelRules.IsDNS1123Label(container.Name))
                {
                    add("InvalidName", ["spec", field, index, "name"], Invalid(container.Name, problem));
                }

                if (!seen.Add(container.Name))
                {
                    add("InvalidName", ["spec", field, index, "name"], $"Duplicate value: {LabelRules.GoQuote(container.Name)}");
                }
            }

            if (string.IsNullOrWhiteSpace(container.Image))
            {
                add("InvalidManifest", ["spec", field, index, "image"], "Required value");
            }
        }
    }

    private static string Invalid(string value, string problem) => $"Invalid value: {LabelRules.GoQuote(value)}: {problem}";

    // The server's field path: spec.containers[0].name, metadata.labels (a key is quoted in the value, not the path).
    private static string FieldPath(IReadOnlyList<string> path)
    {
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < path.Count; i++)
        {
            string segment = path[i];
            if (i > 0 && (path[i - 1] is "labels" or "nodeSelector" or "annotations"))
            {
                break;
            }

            if (int.TryParse(segment, out _))
            {
                text.Append('[').Append(segment).Append(']');
            }
            else
            {
                text.Append(text.Length > 0 ? "." : "").Append(segment);
            }
        }

        return text.ToString();
    }

    private static string Prefix(SourcePosition position, (int Line, int Column) at) =>
        $"{position.SourceName}:{at.Line}:{at.Column}: ";
}
