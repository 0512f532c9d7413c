namespace PodTools.Engine.Manifests;

/// <summary>A manifest that cannot be read, naming the source, line and column (1-based) of the problem.</summary>
public sealed class ManifestException : FormatException
{
    /// <summary>Creates the exception; the message reads <c>source:line:column: detail</c>.</summary>
    public ManifestException(string sourceName, int line, int column, string detail, Exception? innerException = null)
        : base($"{sourceName}:{line}:{column}: {detail}", innerException)
    {
        SourceName = sourceName;
        Line = line;
        Column = column;
        Detail = detail;
    }

    /// <summary>The file path, or the name given for text that did not come from a file.</summary>
    public string SourceName { get; }

    /// <summary>1-based line of the problem.</summary>
    public int Line { get; }

    /// <summary>1-based column of the problem.</summary>
    public int Column { get; }

    /// <summary>What is wrong, without the position.</summary>
    public string Detail { get; }
}
