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

    [Fact]
    public void Q4_1_AddsTheHalfPrecisionMinimum()
    {
        var block = new byte[20];
        BitConverter.TryWriteBytes(block.AsSpan(0), HalfTwo);  // d
        BitConverter.TryWriteBytes(block.AsSpan(2), HalfHalf); // m
        block[4] = 0x3F; // q0 = 15, q16 = 3
        var w = Decode(GgmlType.Q4_1, block, 32);
        Assert.Equal(2 * 15 + 0.5f, w[0]);
        Assert.Equal(2 * 3 + 0.5f, w[16]);
        Assert.Equal(0.5f, w[1]);
    }

    [Fact]
    public void Q5_0_And_Q5_1_TakeTheFifthBitFromTheirLittleEndianWord()
    {
        var q5_0 = new byte[22];
        BitConverter.TryWriteBytes(q5_0.AsSpan(0), HalfTwo);
        BitConverter.TryWriteBytes(q5_0.AsSpan(2), (1u << 1) | (1u << 17)); // fifth bits of weights 1 and 17
        q5_0[6 + 1] = 0x2F; // q1 low bits 15, q17 low bits 2
        var w = Decode(GgmlType.Q5_0, q5_0, 32);
        Assert.Equal(2 * (31 - 16), w[1]);
        Assert.Equal(2 * (18 - 16), w[17]);
        Assert.Equal(2 * -16, w[0]);

        var q5_1 = new byte[24];
        BitConverter.TryWriteBytes(q5_1.AsSpan(0), HalfOne);
        BitConverter.TryWriteBytes(q5_1.AsSpan(2), HalfHalf);
        BitConverter.TryWriteBytes(q5_1.AsSpan(4), 1u << 31);
        q5_1[8 + 15] = 0x70; // q31 low bits 7
        var v = Decode(GgmlType.Q5_1, q5_1, 32);
        Assert.Equal(23 + 0.5f, v[31]);
        Assert.Equal(0.5f, v[0]);
    }

    [Fact]
    public void IQ4_NL_And_IQ4_XS_MapNibblesThroughTheNonLinearTable()
    {
        var nl = new byte[18];
        BitConverter.TryWriteBytes(nl.AsSpan(0), HalfTwo);
        nl[2] = 0xF0; // q0 = 0 → −127, q16 = 15 → 113
        var w = Decode(GgmlType.IQ4_NL, nl, 32);
        Assert.Equal(2 * -127, w[0]);
        Assert.Equal(2 * 113, w[16]);
        Assert.Equal(2 * -127, w[1]);

        var xs = new byte[136];
        BitConverter.TryWriteBytes(xs.AsSpan(0), HalfOne);
        BitConverter.TryWriteBytes(xs.AsSpan(2), (ushort)(0b10 << 2)); // scale_1 high bits 10
        xs[4] = 0x3F;           // scale_0 low bits 0xF (high 00 → 15 − 32), scale_1 low bits 3 (→ 35 − 32)
        xs[8] = 0x08;           // weight 0: level 8 → 1
        xs[8 + 16] = 0x9A;      // weight 32: level 10 → 25; weight 48: level 9 → 13
        var x = Decode(GgmlType.IQ4_XS, xs, 256);
        Assert.Equal(-17 * 1, x[0]);
        Assert.Equal(3 * 25, x[32]);
        Assert.Equal(3 * 13, x[48]);
    }

    [Fact]
    public void Q2_K_UsesFourBitScalesAndMinimumsPerSixteen()
    {
        var block = new byte[84];
        block[0] = 0x23;  // sub-block 0: scale 3, min 2
        block[5] = 0x17;  // sub-block 5 (weights 80..95): scale 7, min 1
        block[16] = 0b11; // weight 0 (h 0, j 0, r 0): q = 3
        block[16 + 16] = 0b10 << 4; // weight 80 = 32·2 + 16: Qs[16], bits 4..5 → q = 2
        BitConverter.TryWriteBytes(block.AsSpan(80), HalfTwo);  // d
        BitConverter.TryWriteBytes(block.AsSpan(82), HalfHalf); // dmin
        var w = Decode(GgmlType.Q2_K, block, 256);
        Assert.Equal(2 * 3 * 3 - 0.5f * 2, w[0]);
        Assert.Equal(-0.5f * 2, w[1]);
        Assert.Equal(2 * 7 * 2 - 0.5f * 1, w[80]);
    }

    [Fact]
    public void Q3_K_SubtractsFourWhereTheHighBitIsClear()
    {
        var block = new byte[110];
        var hmask = block.AsSpan(0, 32);
        var qs = block.AsSpan(32, 64);
        var scales = block.AsSpan(96, 12);
        BitConverter.TryWriteBytes(block.AsSpan(108), HalfTwo);
        scales[0] = 0x05;        // scale_0 low bits 5
        scales[8] = 0b10;        // scale_0 high bits 10 → 0x25 = 37 → 5
        scales[1] = 0xC0;        // scale_9 low bits 0xC (high nibble of byte 1)
        scales[9] = 0b11 << 4;   // scale_9 high bits (2·⌊9/4⌋ = 4) → 0x3C = 60 → 28
        hmask[0] = 1;            // weight 0 keeps its low bits
        qs[0] = 0b10;            // weight 0: low 2 → q = 2
        qs[32 + 16] = 0b01 << 0; // weight 144 = 128 + 16 (h 1, j 0, r 16): low 1, high bit clear → q = −3
        var w = Decode(GgmlType.Q3_K, block, 256);
        Assert.Equal(2 * 5 * 2, w[0]);
        Assert.Equal(2 * 5 * -4, w[1]);
        Assert.Equal(2 * 28 * -3, w[144]);
    }

    [Fact]
    public void Q5_K_TakesTheFifthBitFromQhBitJ()
    {
        var block = new byte[176];
        BitConverter.TryWriteBytes(block.AsSpan(0), HalfOne);
        BitConverter.TryWriteBytes(block.AsSpan(2), HalfHalf);
        block[4 + 1] = 2;        // scale_1 = 2
        block[4 + 5] = 3;        // min_1 = 3
        block[16 + 4] = 1 << 1;  // weight 32 + 4 (sub-block 1, r 4): fifth bit
        block[48 + 4] = 0x90;    // Qs[4] high nibble 9: sub-block 1, r 4
        var w = Decode(GgmlType.Q5_K, block, 256);
        Assert.Equal(2 * (9 | 16) - 0.5f * 3, w[36]);
        Assert.Equal(-0.5f * 3, w[33]);
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
