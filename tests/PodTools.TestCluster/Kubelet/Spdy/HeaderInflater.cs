namespace PodTools.TestCluster.Kubelet.Spdy;

/// <summary>
/// A zlib inflater for SPDY/3 header blocks. SPDY compresses all header blocks of one direction as a single
/// zlib stream primed with a preset dictionary, flushed (sync flush) after each block; .NET's zlib wrapper
/// cannot take a preset dictionary, so this is a small RFC 1950/1951 decoder that keeps its window between
/// blocks. It is fed one header block at a time and returns that block's bytes.
/// </summary>
internal sealed class HeaderInflater
{
    private const int WindowSize = 32 * 1024;

    private static readonly int[] LengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
    private static readonly int[] LengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
    private static readonly int[] DistanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
    private static readonly int[] DistanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
    private static readonly int[] CodeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

    private readonly byte[] _dictionary;
    private readonly List<byte> _window = [];
    private byte[] _input = [];
    private int _position;
    private int _bitBuffer;
    private int _bitCount;
    private bool _headerRead;
    private bool _finished;

    public HeaderInflater(byte[] dictionary) => _dictionary = dictionary;

    /// <summary>Inflates one compressed header block (which ends on a flush boundary).</summary>
    /// <exception cref="InvalidDataException">The data is not a valid zlib stream.</exception>
    public byte[] Inflate(ReadOnlySpan<byte> block)
    {
        _input = block.ToArray();
        _position = 0;
        var output = new List<byte>();
        if (!_headerRead)
        {
            var cmf = ReadByte();
            var flg = ReadByte();
            if ((cmf & 0x0f) != 8 || ((cmf << 8) | flg) % 31 != 0) throw new InvalidDataException("not a zlib stream");
            if ((flg & 0x20) != 0)
            {
                var id = (uint)((ReadByte() << 24) | (ReadByte() << 16) | (ReadByte() << 8) | ReadByte());
                if (id != Adler32(_dictionary)) throw new InvalidDataException("the stream was compressed with another dictionary");
                _window.AddRange(_dictionary);
            }
            _headerRead = true;
        }
        // A sync flush leaves the stream byte-aligned with the block's input consumed; stop there.
        while (!_finished && (_position < _input.Length || _bitCount >= 3))
        {
            var final = ReadBits(1) == 1;
            var type = ReadBits(2);
            switch (type)
            {
                case 0: Stored(output); break;
                case 1: Codes(output, FixedLiterals, FixedDistances); break;
                case 2: Dynamic(output); break;
                default: throw new InvalidDataException("invalid deflate block type");
            }
            if (final) _finished = true;
        }
        return output.ToArray();
    }

    internal static uint Adler32(ReadOnlySpan<byte> data)
    {
        uint a = 1, b = 0;
        foreach (var value in data)
        {
            a = (a + value) % 65521;
            b = (b + a) % 65521;
        }
        return (b << 16) | a;
    }

    private int ReadByte()
    {
        if (_position >= _input.Length) throw new InvalidDataException("header block ends inside the zlib data");
        return _input[_position++];
    }

    private int ReadBits(int count)
    {
        while (_bitCount < count)
        {
            _bitBuffer |= ReadByte() << _bitCount;
            _bitCount += 8;
        }
        var value = _bitBuffer & ((1 << count) - 1);
        _bitBuffer >>= count;
        _bitCount -= count;
        return value;
    }

    private void Emit(List<byte> output, byte value)
    {
        output.Add(value);
        _window.Add(value);
        if (_window.Count > 2 * WindowSize) _window.RemoveRange(0, _window.Count - WindowSize);
    }

    private void Stored(List<byte> output)
    {
        _bitBuffer = 0;
        _bitCount = 0;
        var length = ReadByte() | (ReadByte() << 8);
        var complement = ReadByte() | (ReadByte() << 8);
        if ((length ^ 0xffff) != complement) throw new InvalidDataException("stored block length check failed");
        for (var i = 0; i < length; i++) Emit(output, (byte)ReadByte());
    }

    /// <summary>A canonical Huffman code as counts per length and symbols in code order (zlib's puff).</summary>
    private sealed record Huffman(short[] Counts, short[] Symbols);

    private static Huffman Build(ReadOnlySpan<int> lengths)
    {
        var counts = new short[16];
        foreach (var length in lengths) counts[length]++;
        var offsets = new short[16];
        for (var i = 1; i < 15; i++) offsets[i + 1] = (short)(offsets[i] + counts[i]);
        var symbols = new short[lengths.Length];
        for (var symbol = 0; symbol < lengths.Length; symbol++)
            if (lengths[symbol] != 0) symbols[offsets[lengths[symbol]]++] = (short)symbol;
        counts[0] = 0;
        return new Huffman(counts, symbols);
    }

    private int Decode(Huffman huffman)
    {
        int code = 0, first = 0, index = 0;
        for (var length = 1; length <= 15; length++)
        {
            code |= ReadBits(1);
            var count = huffman.Counts[length];
            if (code - count < first) return huffman.Symbols[index + (code - first)];
            index += count;
            first += count;
            first <<= 1;
            code <<= 1;
        }
        throw new InvalidDataException("invalid Huffman code");
    }

    private static readonly Huffman FixedLiterals = Build(Enumerable.Range(0, 288).Select(s => s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8).ToArray());
    private static readonly Huffman FixedDistances = Build(Enumerable.Repeat(5, 30).ToArray());

    private void Codes(List<byte> output, Huffman literals, Huffman distances)
    {
        while (true)
        {
            var symbol = Decode(literals);
            if (symbol < 256)
            {
                Emit(output, (byte)symbol);
                continue;
            }
            if (symbol == 256) return;
            symbol -= 257;
            if (symbol >= 29) throw new InvalidDataException("invalid length symbol");
            var length = LengthBase[symbol] + ReadBits(LengthExtra[symbol]);
            var distanceSymbol = Decode(distances);
            if (distanceSymbol >= 30) throw new InvalidDataException("invalid distance symbol");
            var distance = DistanceBase[distanceSymbol] + ReadBits(DistanceExtra[distanceSymbol]);
            if (distance > _window.Count) throw new InvalidDataException("distance too far back");
            for (var i = 0; i < length; i++) Emit(output, _window[_window.Count - distance]);
        }
    }

    private void Dynamic(List<byte> output)
    {
        var literalCount = ReadBits(5) + 257;
        var distanceCount = ReadBits(5) + 1;
        var codeLengthCount = ReadBits(4) + 4;
        var codeLengths = new int[19];
        for (var i = 0; i < codeLengthCount; i++) codeLengths[CodeLengthOrder[i]] = ReadBits(3);
        var lengthCode = Build(codeLengths);
        var lengths = new int[literalCount + distanceCount];
        for (var i = 0; i < lengths.Length;)
        {
            var symbol = Decode(lengthCode);
            if (symbol < 16)
            {
                lengths[i++] = symbol;
                continue;
            }
            var (value, repeat) = symbol switch
            {
                16 when i > 0 => (lengths[i - 1], 3 + ReadBits(2)),
                17 => (0, 3 + ReadBits(3)),
                18 => (0, 11 + ReadBits(7)),
                _ => throw new InvalidDataException("invalid code length repeat"),
            };
            if (i + repeat > lengths.Length) throw new InvalidDataException("too many code lengths");
            for (var r = 0; r < repeat; r++) lengths[i++] = value;
        }
        Codes(output, Build(lengths.AsSpan(0, literalCount)), Build(lengths.AsSpan(literalCount)));
    }
}
