namespace PodTools.Engine.Selectors;

/// <summary>A label selector the API server would refuse, with kubectl's message and the position of the offending text.</summary>
public sealed class SelectorSyntaxException : FormatException
{
    /// <summary>Creates the exception for <paramref name="selector"/>, pointing at <paramref name="position"/>.</summary>
    public SelectorSyntaxException(string message, string selector, int position)
        : base(message)
    {
        Selector = selector;
        Position = position;
    }

    /// <summary>Zero-based index of the offending token in <see cref="Selector"/>; its length when the text ended too early.</summary>
    public int Position { get; }

    /// <summary>The selector text as given.</summary>
    public string Selector { get; }

    /// <summary>Spaces and a caret that, printed under <see cref="Selector"/>, point at <see cref="Position"/>.</summary>
    public string PositionMarker => new string(' ', Position) + "^";
}
