using System.Runtime.CompilerServices;
using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Tensors;

/// <summary>The block structs match ggml's byte layout: sizes, and single hand-made blocks decode
/// to the weights the GGUF format defines.</summary>
public sealed unsafe class BlockLayoutTests
{
    [Fact]
    public void BlockSizes_MatchGgml()
    {
        Assert.Equal(34, Unsafe.SizeOf<Q8_0>());
        Assert.Equal(32, Q8_0.Weights);
        Assert.Equal(18, Unsafe.SizeOf<Q4_0>());
        Assert.Equal(32, Q4_0.Weights);
        Assert.Equal(144, Unsafe.SizeOf<Q4_K>());
        Assert.Equal(256, Q4_K.Weights);
        Assert.Equal(210, Unsafe.SizeOf<Q6_K>());
        Assert.Equal(256, Q6_K.Weights);
        Assert.Equal(20, Unsafe.SizeOf<Q4_1>());
        Assert.Equal(22, Unsafe.SizeOf<Q5_0>());
        Assert.Equal(24, Unsafe.SizeOf<Q5_1>());
        Assert.Equal(18, Unsafe.SizeOf<IQ4_NL>());
        Assert.All(new[] { Q4_1.Weights, Q5_0.Weights, Q5_1.Weights, IQ4_NL.Weights }, n => Assert.Equal(32, n));
        Assert.Equal(84, Unsafe.SizeOf<Q2_K>());
        Assert.Equal(110, Unsafe.SizeOf<Q3_K>());
        Assert.Equal(176, Unsafe.SizeOf<Q5_K>());
        Assert.Equal(136, Unsafe.SizeOf<IQ4_XS>());
        Assert.All(new[] { Q2_K.Weights, Q3_K.Weights, Q5_K.Weights, IQ4_XS.Weights }, n => Assert.Equal(256, n));
    }

    private const ushort HalfOne = 0x3C00;
    private const ushort HalfTwo = 0x4000;
    private const ushort HalfHalf = 0x3800;

    private static float[] Decode(GgmlType type, byte[] block, int weights)
    {
        var row = new float[weights];
        fixed (byte* p = block)
            new WeightMatrix(type, 1, weights, p).DequantizeRow(0, row);
        return row;
    }

    [Fact]
    public void Q8_0_IsHalfScaleThenSignedBytes()
    {
        var block = new byte[34];
        BitConverter.TryWriteBytes(block.AsSpan(0), HalfHalf);
        block[2] = 5;
        block[3] = unchecked((byte)-7);
        block[33] = 127;
        var w = Decode(GgmlType.Q8_0, block, 32);
        Assert.Equal(2.5f, w[0]);
        Assert.Equal(-3.5f, w[1]);
        Assert.Equal(63.5f, w[31]);
        Assert.Equal(0f, w[2]);
    }

    [Fact]
    public void Q4_0_LowNibblesAreTheFirstHalf_HighNibblesTheSecond()
    {
        var block = new byte[18];
        BitConverter.TryWriteBytes(block.AsSpan(0), HalfTwo);
        block[2] = 0x9F; // q0 = 15, q16 = 9
        var w = Decode(GgmlType.Q4_0, block, 32);
        Assert.Equal(2 * (15 - 8), w[0]);
        Assert.Equal(2 * (9 - 8), w[16]);
        Assert.Equal(-16f, w[1]); // nibble 0 → (0 − 8)·2
    }

    [Fact]
    public void Q4_K_UsesSixBitScalesAndMinimums()
    {
        var block = new byte[144];
        BitConverter.TryWriteBytes(block.AsSpan(0), HalfOne);  // d
        BitConverter.TryWriteBytes(block.AsSpan(2), HalfHalf); // dmin
        var scales = block.AsSpan(4, 12);
        scales[0] = 3;            // scale_0 = 3
        scales[4] = 2;            // min_0 = 2
        scales[8] = 0x5A;         // scale_4 low bits 0xA, min_4 low bits 0x5
        scales[0] |= 1 << 6;      // scale_4 high bits 01 → scale_4 = 0x1A = 26
        scales[4] |= 2 << 6;      // min_4 high bits 10 → min_4 = 0x25 = 37
        var qs = block.AsSpan(16, 128);
        qs[0] = 0x47;             // sub-block 0 weight 0: q = 7; sub-block 1 weight 0: q = 4
        qs[64] = 0x0B;            // chunk 2: sub-block 4 weight 0: q = 11
        var w = Decode(GgmlType.Q4_K, block, 256);
        Assert.Equal(1 * 3 * 7 - 0.5f * 2, w[0]);
        Assert.Equal(-0.5f * 2, w[1]);
        Assert.Equal(1 * 26 * 11 - 0.5f * 37, w[128]);
    }

    [Fact]
    public void Q6_K_CombinesLowAndHighBitsWithSignedScales()
    {
        var block = new byte[210];
        var ql = block.AsSpan(0, 128);
        var qh = block.AsSpan(128, 64);
        var scales = block.AsSpan(192, 16);
        BitConverter.TryWriteBytes(block.AsSpan(208), HalfTwo);
        scales[0] = 3;
        scales[4] = unchecked((byte)-5);
        scales[15] = 1;
        ql[0] = 0xA5;  // weight 0 low bits 5; weight 64 low bits 0xA
        qh[0] = 0x21;  // weight 0 high bits 01; weight 64 (k = 2) high bits 10
        ql[127] = 0xF0; // weight 255 (h 1, k 3, l 31) low bits 0xF
        qh[63] = 0xC0;  // its high bits 11
        var w = Decode(GgmlType.Q6_K, block, 256);
        Assert.Equal(2 * 3 * ((5 | 1 << 4) - 32), w[0]);
        Assert.Equal(2 * -5 * ((0xA | 2 << 4) - 32), w[64]);
        Assert.Equal(2 * 1 * (63 - 32), w[255]);
        Assert.Equal(2 * 3 * -32, w[1]);
    }

    [Theory]
    [InlineData(GgmlType.Q8_0, 48)]
    [InlineData(GgmlType.Q4_K, 32)]
    [InlineData(GgmlType.Q6_K, 512 + 32)]
    public void WeightMatrix_RejectsRowsThatAreNotWholeBlocks(GgmlType type, int cols)
    {
        var data = new byte[4096];
        fixed (byte* p = data)
        {
            var address = (nint)p;
            var error = Assert.Throws<ArgumentException>(() => new WeightMatrix(type, 1, cols, (byte*)address));
            Assert.Contains("multiple of", error.Message);
        }
    }

    [Fact]
    public void WeightMatrix_RejectsTypesWithoutKernels()
    {
        var data = new byte[64];
        fixed (byte* p = data)
        {
            var address = (nint)p;
            var error = Assert.Throws<NotSupportedException>(() => new WeightMatrix(GgmlType.Q8_K, 1, 256, (byte*)address));
            Assert.Contains("Q8_K is not supported", error.Message);
        }
    }
}
