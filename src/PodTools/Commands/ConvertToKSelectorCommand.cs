using System.Collections;
using System.Management.Automation;
using PodTools.Engine.Labels;
using PodTools.Engine.Labels.Apply;

namespace PodTools.Commands;

/// <summary>ConvertTo-KSelector: a hashtable to a label selector string, validated with the API server's rules.</summary>
[Cmdlet(VerbsData.ConvertTo, "KSelector")]
[OutputType(typeof(string))]
public sealed class ConvertToKSelectorCommand : PSCmdlet
{
    /// <summary>key = value (equality), key = @('a','b') (in), key = $null (the key exists).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public IDictionary? Label { get; set; }

    protected override void ProcessRecord()
    {
        var entries = new List<KeyValuePair<string, IReadOnlyList<string>?>>();
        foreach (DictionaryEntry entry in Label!)
        {
            string key = LanguagePrimitives.ConvertTo<string>(entry.Key) ?? "";
            entries.Add(new KeyValuePair<string, IReadOnlyList<string>?>(key, Values(entry.Value)));
        }

        try
        {
            WriteObject(SelectorText.FromMap(entries).ToString());
        }
        catch (InvalidLabelException error)
        {
            WriteError(new ErrorRecord(error, error.IsKeyProblem ? "InvalidLabelKey" : "InvalidLabelValue", ErrorCategory.InvalidArgument, Label));
        }
        catch (ArgumentException error)
        {
            WriteError(new ErrorRecord(error, "EmptyValueList", ErrorCategory.InvalidArgument, Label));
        }
    }

    private static IReadOnlyList<string>? Values(object? value)
    {
        value = value is PSObject wrapped ? wrapped.BaseObject : value;
        return value switch
        {
            null => null,
            string text => [text],
            IEnumerable many => many.Cast<object?>().Select(v => LanguagePrimitives.ConvertTo<string>(v) ?? "").ToList(),
            _ => [LanguagePrimitives.ConvertTo<string>(value) ?? ""],
        };
    }
}
