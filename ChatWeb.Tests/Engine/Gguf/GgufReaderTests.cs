using ChatWeb.Engine.Gguf;
using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Gguf;

public sealed class GgufReaderTests
{
    private static GgufWriter SampleWriter(uint version = 3, uint alignment = 32)
    {
        var writer = new GgufWriter { Version = version, Alignment = alignment };
        writer.Add("general.architecture", "llama");
        writer.Add("u8", (byte)200);
        writer.Add("i8", (sbyte)-5);
        writer.Add("u16", (ushort)60000);
        writer.Add("i16", (short)-300);
        writer.Add("u32", 4_000_000_000u);
        writer.Add("i32", -7);
        writer.Add("f32", 1.5f);
        writer.Add("bool", true);
        writer.Add("string", "héllo ▁world");
        writer.Add("u64", ulong.MaxValue);
        writer.Add("i64", long.MinValue);
        writer.Add("f64", Math.PI);
        writer.Add("tokens", new[] { "a", "", "▁b" });
        writer.Add("scores", new[] { 0.5f, -1f });
        writer.Add("flags", new[] { true, false });
        writer.Add("nested", new Array[] { new[] { 1, 2 }, new[] { "x" }, new Array[] { new[] { 3.0 } } });
        writer.AddTensor("a.weight", GgmlType.F32, [4, 2], Enumerable.Range(0, 8).SelectMany(i => BitConverter.GetBytes((float)i)).ToArray());
        writer.AddTensor("b.weight", GgmlType.F16, [6], new byte[12]);
        return writer;
    }

    [Theory]
    [InlineData(2u, 32u)]
    [InlineData(3u, 32u)]
    [InlineData(3u, 64u)]
    public unsafe void WrittenFile_ReadsBack_EveryMetadataTypeAndTensor(uint version, uint alignment)
    {
        using var file = GgufFile.FromBytes(SampleWriter(version, alignment).ToBytes());

        Assert.Equal(version, file.Version);
        Assert.Equal(alignment, file.Alignment);
        Assert.Equal("llama", file.GetString("general.architecture"));
        Assert.Equal((byte)200, file.Metadata["u8"]);
        Assert.Equal((sbyte)-5, file.Metadata["i8"]);
        Assert.Equal((ushort)60000, file.Metadata["u16"]);
        Assert.Equal((short)-300, file.Metadata["i16"]);
        Assert.Equal(4_000_000_000L, file.GetInteger("u32"));
        Assert.Equal(-7L, file.GetInteger("i32"));
        Assert.Equal(1.5f, file.GetFloat("f32"));
        Assert.True(file.GetBool("bool"));
        Assert.Equal("héllo ▁world", file.GetString("string"));
        Assert.Equal(ulong.MaxValue, file.Metadata["u64"]);
        Assert.Equal(long.MinValue, file.GetInteger("i64"));
        Assert.Equal(Math.PI, file.Metadata["f64"]);
        Assert.Equal(["a", "", "▁b"], file.GetArray<string>("tokens")!);
        Assert.Equal([0.5f, -1f], file.GetArray<float>("scores")!);
        Assert.Equal([true, false], file.GetArray<bool>("flags")!);
        var nested = file.GetArray<Array>("nested")!;
        Assert.Equal([1, 2], (int[])nested[0]);
        Assert.Equal(["x"], (string[])nested[1]);
        Assert.Equal([3.0], (double[])((Array[])nested[2])[0]);
        Assert.Null(file.GetString("missing"));

        Assert.Equal(2, file.Tensors.Count);
        var a = file.FindTensor("a.weight")!;
        Assert.Equal([4L, 2L], a.Dimensions);
        Assert.Equal(GgmlType.F32, a.Type);
        Assert.Equal(32, a.ByteSize);
        Assert.Equal(0, a.DataOffset % alignment);
        Assert.Equal(7f, ((float*)file.TensorData(a))[7]);
        var row = new float[4];
        file.Matrix(a).DequantizeRow(1, row);
        Assert.Equal([4f, 5f, 6f, 7f], row);
        Assert.Equal(12, file.FindTensor("b.weight")!.ByteSize);
    }

    [Fact]
    public void Metadata_OfTheWrongType_NamesTheKey()
    {
        using var file = GgufFile.FromBytes(SampleWriter().ToBytes());

        var error = Assert.Throws<GgufFormatException>(() => file.GetInteger("string"));

        Assert.Contains("'string' should be an integer", error.Message);
        Assert.Contains("at byte", error.Message);
    }

    [Fact]
    public void Stories260K_Opens_WithItsTensorsMapped()
    {
        using var file = GgufFile.Open(TestPaths.Model("stories260K", "stories260K.gguf"));

        Assert.Equal(3u, file.Version);
        Assert.Equal("llama", file.GetString("general.architecture"));
        Assert.Equal(48, file.Tensors.Count);
        Assert.Equal(14176, file.DataStart);
        Assert.Equal(512, file.GetArray<string>("tokenizer.ggml.tokens")!.Length);
        Assert.Equal([64L, 512L], file.FindTensor("token_embd.weight")!.Dimensions);
    }

    [Theory]
    [InlineData("ggml-vocab-llama-spm.gguf", "llama", 32000)]
    [InlineData("ggml-vocab-phi-3.gguf", "llama", 32064)]
    [InlineData("ggml-vocab-gpt-2.gguf", "gpt2", 50257)]
    [InlineData("ggml-vocab-deepseek-llm.gguf", "gpt2", 102400)]
    public void LlamaCppVocabularyFiles_Open(string name, string tokenizerModel, int tokens)
    {
        using var file = GgufFile.Open(TestPaths.Model("llama.cpp-vocab", name));

        Assert.Empty(file.Tensors);
        Assert.Equal(tokenizerModel, file.GetString("tokenizer.ggml.model"));
        Assert.Equal(tokens, file.GetArray<string>("tokenizer.ggml.tokens")!.Length);
    }

    public static TheoryData<string, Func<byte[], byte[]>, string> Malformations => new()
    {
        { "bad magic", b => Patch(b, 0, "GGUX"u8), "Not a GGUF file" },
        { "version 1", b => Patch(b, 4, BitConverter.GetBytes(1u)), "version 1 is not supported" },
        { "big-endian version", b => Patch(b, 4, BitConverter.GetBytes(0x03000000u)), "Unsupported GGUF version" },
        { "truncated header", b => b[..10], "ends in the middle" },
        { "huge tensor count", b => Patch(b, 8, BitConverter.GetBytes(ulong.MaxValue)), "Tensor count" },
        { "huge metadata count", b => Patch(b, 16, BitConverter.GetBytes(1UL << 60)), "Metadata count" },
        { "huge key length", b => Patch(b, 24, BitConverter.GetBytes(1UL << 62)), "String length" },
        { "truncated data", b => b[..^40], "runs past the end" },
    };

    [Theory]
    [MemberData(nameof(Malformations))]
    public void MalformedFile_RaisesGgufFormatException_NamingProblemAndOffset(string what, Func<byte[], byte[]> corrupt, string expected)
    {
        var bytes = corrupt(SampleWriter().ToBytes());

        var error = Assert.Throws<GgufFormatException>(() => GgufFile.FromBytes(bytes).Dispose());

        Assert.True(error.Message.Contains(expected) && error.Message.Contains("at byte"), $"{what}: {error.Message}");
    }

    [Fact]
    public void UnknownTensorType_IsReported()
    {
        var writer = new GgufWriter();
        writer.AddTensor("t", GgmlType.F32, [4], new byte[16]);
        var bytes = writer.ToBytes();
        var typeAt = IndexOf(bytes, "t"u8) + 1 + 4 + 8; // name, n_dims, one dim
        Patch(bytes, typeAt, BitConverter.GetBytes(99u));

        var error = Assert.Throws<GgufFormatException>(() => GgufFile.FromBytes(bytes).Dispose());

        Assert.Contains("unknown type 99", error.Message);
    }

    [Fact]
    public void TruncatedFileOnDisk_RaisesGgufFormatException()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, SampleWriter().ToBytes()[..100]);
            Assert.Throws<GgufFormatException>(() => GgufFile.Open(path).Dispose());
            File.WriteAllBytes(path, []);
            Assert.Throws<GgufFormatException>(() => GgufFile.Open(path).Dispose());
        }
        finally
        {
            File.Delete(path);
        }
    }

    internal static byte[] Patch(byte[] bytes, int at, ReadOnlySpan<byte> with)
    {
        with.CopyTo(bytes.AsSpan(at));
        return bytes;
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);
}
