using System.Collections.Concurrent;
using System.Management.Automation;
using System.Security;
using System.Text;
using PodTools.Engine.Model;

namespace PodTools;

/// <summary>
/// Get-KPod -LabelColumn (kubectl -L): each pod, or each -Watch event with the pod it saw, gets one note property per
/// label key, and a table view for exactly that set of keys is generated once per session, so the default output and
/// Format-Table show NAME ... AGE (after EVENT for watch events) followed by one column per key, headed like kubectl
/// (the key's last segment in capitals).
/// </summary>
/// <remarks>
/// Format files are static and the keys are only known at run time; a generated view keeps the columns in format
/// data (no script blocks) and leaves the objects' real type (KPod, KPodEvent) and their other views intact underneath.
/// </remarks>
internal sealed class LabelColumnView
{
    // Views already loaded, keyed by runspace and type name: Update-FormatData changes only the calling session.
    private static readonly ConcurrentDictionary<string, bool> s_loaded = new(StringComparer.Ordinal);

    private readonly IReadOnlyList<string> _keys;
    private readonly IReadOnlyList<string> _propertyNames;
    private readonly bool _withNamespace;
    private readonly bool _forEvents;

    /// <param name="keys">The label keys, one column each.</param>
    /// <param name="withNamespace">Whether the rows come from -AllNamespaces, which puts NAMESPACE before NAME.</param>
    /// <param name="forEvents">Whether the rows are -Watch events (KPodEvent), which put EVENT first.</param>
    public LabelColumnView(IReadOnlyList<string> keys, bool withNamespace, bool forEvents)
    {
        _keys = keys;
        _withNamespace = withNamespace;
        _forEvents = forEvents;
        var rowType = forEvents ? typeof(KPodEvent) : typeof(KPod);
        // A key that collides with a property of the row (e.g. "name") keeps the property and gets a "label:" name.
        var taken = new HashSet<string>(rowType.GetProperties().Select(p => p.Name), StringComparer.OrdinalIgnoreCase);
        _propertyNames = keys.Select(key => taken.Contains(key) ? "label:" + key : key).ToList();
        TypeName = rowType.FullName + "#LabelColumns:" + (withNamespace ? "A:" : "") + string.Join(",", keys);
    }

    /// <summary>The type name that selects the generated view.</summary>
    public string TypeName { get; }

    /// <summary>kubectl's -L header: the last path segment of the key, upper-cased.</summary>
    public static string Header(string key)
    {
        int slash = key.LastIndexOf('/');
        return (slash >= 0 ? key[(slash + 1)..] : key).ToUpperInvariant();
    }

    /// <summary>Loads the view into the session once (Update-FormatData from a generated file).</summary>
    public void EnsureLoaded(PSCmdlet cmdlet)
    {
        string sessionKey = $"{System.Management.Automation.Runspaces.Runspace.DefaultRunspace?.InstanceId}|{TypeName}";
        if (s_loaded.ContainsKey(sessionKey))
        {
            return;
        }

        // The session re-reads its format files whenever format data changes (Import-Module, Remove-Module), so the
        // file stays; it is named after its content and written once.
        string directory = Path.Combine(Path.GetTempPath(), "PodTools-views-" + Environment.UserName);
        Directory.CreateDirectory(directory);
        string xml = ViewXml();
        string hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(xml)))[..16];
        string file = Path.Combine(directory, $"LabelColumns-{hash}.Format.ps1xml");
        if (!File.Exists(file))
        {
            string partial = file + "." + Guid.NewGuid().ToString("N");
            File.WriteAllText(partial, xml, Encoding.UTF8);
            File.Move(partial, file, overwrite: true);
        }

        cmdlet.InvokeCommand.InvokeScript(false, ScriptBlock.Create("param($path) Update-FormatData -PrependPath $path"), null, file);
        s_loaded[sessionKey] = true;
    }

    /// <summary>
    /// Selects the generated view for a wrapped row (a pod, or a watch event of that pod) and adds one note property
    /// per key ("" when the pod lacks the label, as kubectl prints).
    /// </summary>
    public void Decorate(PSObject row, KPod pod)
    {
        row.TypeNames.Insert(0, TypeName);
        for (int i = 0; i < _keys.Count; i++)
        {
            row.Properties.Add(new PSNoteProperty(_propertyNames[i], pod.Labels.TryGetValue(_keys[i], out var value) ? value : ""));
        }
    }

    private string ViewXml()
    {
        var columns = new List<(string Header, string Property)>();
        if (_forEvents)
        {
            // Padded like the label in KPodEvent.Format.ps1xml, which says why.
            columns.Add(("EVENT    ", "Type"));
        }

        if (_withNamespace)
        {
            columns.Add(("NAMESPACE", "Namespace"));
        }

        columns.AddRange([("NAME", "Name"), ("READY", "Ready"), ("STATUS", "Status"), ("RESTARTS", "RestartsText"), ("AGE", "Age")]);
        columns.AddRange(_keys.Select((key, i) => (Header(key), _propertyNames[i])));
        var xml = new StringBuilder();
        xml.Append("<?xml version=\"1.0\" encoding=\"utf-8\"?><Configuration><ViewDefinitions><View><Name>LabelColumns</Name>");
        xml.Append("<ViewSelectedBy><TypeName>").Append(SecurityElement.Escape(TypeName)).Append("</TypeName></ViewSelectedBy>");
        xml.Append("<TableControl><TableHeaders>");
        foreach (var (header, _) in columns)
        {
            xml.Append("<TableColumnHeader><Label>").Append(SecurityElement.Escape(header)).Append("</Label></TableColumnHeader>");
        }

        xml.Append("</TableHeaders><TableRowEntries><TableRowEntry><TableColumnItems>");
        foreach (var (_, property) in columns)
        {
            xml.Append("<TableColumnItem><PropertyName>").Append(SecurityElement.Escape(property)).Append("</PropertyName></TableColumnItem>");
        }

        xml.Append("</TableColumnItems></TableRowEntry></TableRowEntries></TableControl></View></ViewDefinitions></Configuration>");
        return xml.ToString();
    }
}
