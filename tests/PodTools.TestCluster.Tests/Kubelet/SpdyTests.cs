using System.Buffers.Binary;
using System.Text;
using PodTools.TestCluster.Kubelet.Spdy;

namespace PodTools.TestCluster.Tests.Kubelet;

public sealed class SpdyTests
{
    [Fact]
    public void The_header_dictionary_is_SPDY_3s_by_size_and_checksum()
    {
        Assert.Equal(1423, SpdyDictionary.Bytes.Length);
        // The Adler-32 a SPDY/3 client puts in its zlib header (DICTID), e.g. e3c6a7c2 in Go's and Chromium's streams.
        Assert.Equal(0xe3c6a7c2u, HeaderInflater.Adler32(SpdyDictionary.Bytes));
    }

    [Fact]
    public void Header_blocks_compressed_with_the_dictionary_inflate_one_flush_at_a_time()
    {
        // Two header blocks as zlib (level 9, SPDY dictionary, sync flush after each) writes them.
        var first = Convert.FromHexString("78f9e3c6a7c202253a703a2b294a4dcc851625aca9a0808614cb45e01c6061606100a4398b20d198094ade8c0600000000ffff");
        var second = Convert.FromHexString("c2aa19540e2512d60b000000ffff");
        var inflater = new HeaderInflater(SpdyDictionary.Bytes);

        Assert.Equal(["streamtype=error", "port=8080", "requestid=0"], Headers(inflater.Inflate(first)));
        Assert.Equal(["streamtype=data", "port=8080", "requestid=0"], Headers(inflater.Inflate(second)));
    }

    [Fact]
    public void Dynamic_and_stored_blocks_from_dotnets_zlib_inflate_too()
    {
        var text = string.Concat(Enumerable.Range(0, 400).Select(i => $"header-{i % 17}: value {i * 7919 % 1000};"));
        using var compressed = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            zlib.Write(Encoding.ASCII.GetBytes(text));
            zlib.Flush();
        }
        var inflater = new HeaderInflater([]);
        Assert.Equal(text, Encoding.ASCII.GetString(inflater.Inflate(compressed.ToArray())));
    }

    private static List<string> Headers(byte[] block)
    {
        var result = new List<string>();
        var count = BinaryPrimitives.ReadInt32BigEndian(block);
        var offset = 4;
        for (var i = 0; i < count; i++)
        {
            var name = Read(block, ref offset);
            result.Add(name + "=" + Read(block, ref offset));
        }
        return result;
    }

    private static string Read(byte[] block, ref int offset)
    {
        var length = BinaryPrimitives.ReadInt32BigEndian(block.AsSpan(offset));
        var text = Encoding.ASCII.GetString(block, offset + 4, length);
        offset += 4 + length;
        return text;
    }
}
