using System.Text;

namespace PodTools.Engine.Containers;

/// <summary>
/// Turns UTF-8 chunks, split anywhere (even inside a character), into complete lines without their line breaks.
/// </summary>
public sealed class LineSplitter
{
    private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetDecoder();
    private readonly StringBuilder _pending = new();

    /// <summary>The lines completed by <paramref name="chunk"/>.</summary>
    public IReadOnlyList<string> Add(ReadOnlySpan<byte> chunk)
    {
        int count = _decoder.GetCharCount(chunk, flush: false);
        Span<char> chars = count <= 1024 ? stackalloc char[count] : new char[count];
        _decoder.GetChars(chunk, chars, flush: false);
        _pending.Append(chars);
        return TakeLines();
    }

    /// <summary>The last, unterminated line (if any), at the end of the stream.</summary>
    public string? Flush()
    {
        Span<char> tail = stackalloc char[8];
        int count = _decoder.GetChars(ReadOnlySpan<byte>.Empty, tail, flush: true);
        _pending.Append(tail[..count]);
        if (_pending.Length == 0)
        {
            return null;
        }

        string last = _pending.ToString().TrimEnd('\r');
        _pending.Clear();
        return last;
    }

    private List<string> TakeLines()
    {
        var lines = new List<string>();
        int start = 0;
        for (int i = 0; i < _pending.Length; i++)
        {
            if (_pending[i] == '\n')
            {
                int end = i > start && _pending[i - 1] == '\r' ? i - 1 : i;
                lines.Add(_pending.ToString(start, end - start));
                start = i + 1;
            }
        }

        _pending.Remove(0, start);
        return lines;
    }
}
