using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ChatWeb.Engine.Gguf;
using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Tensors;

/// <summary>The 8-bit activation kernels of the 256-weight types against their scalar reference,
/// with and without AVX-VNNI, and the reference against the dequantized weights.</summary>
public sealed unsafe class ByteBlock256KernelsTests
{
    /// <summary>Vector and scalar paths add the same exact integer sums in another order (and the
    /// minimums as a separate float term), relative to Σ|w·x|.</summary>
    private const double SimdVsScalarTolerance = 1e-5;

    private static readonly GgmlType[] Types = [GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q3_K, GgmlType.Q2_K, GgmlType.IQ4_XS];

    public static IEnumerable<object[]> TypesLevelsAndVnni() =>
        from type in Types
        from level in Simd.Supported.Where(l => l >= SimdLevel.Vector256)
        from vnni in AvxVnni.IsSupported ? new[] { false, true } : [false]
        select new object[] { type, level, vnni };

    public static IEnumerable<object[]> TypesOnly() => Types.Select(t => new object[] { t });

    [Fact]
    public void Run_WithXQuantizedOnceForAllRowRanges_GivesWhatEachRangeQuantizingItGives()
    {
        // As MatMulWork's threads do: one quantized x read by several row ranges (batch 6: a tile of four and two rows left).
        const int rows = 9, cols = 512, batch = 6;
        var weights = Quantizer.Quantize(GgmlType.Q4_K, TensorTestData.Gaussian(rows * cols, seed: 21));
        var x = TensorTestData.Gaussian(batch * cols, seed: 22);
        var shared = new ByteActivations256();
        shared.Quantize(x, batch, cols, Simd.Best);
        var alone = new float[batch * rows];
        var together = Enumerable.Repeat(float.NaN, batch * rows).ToArray();
        fixed (byte* p = weights)
        {
            var matrix = new WeightMatrix(GgmlType.Q4_K, rows, cols, p);
            matrix.MatMul(x, batch, alone, 0, rows, Simd.Best);
            matrix.MatMul(x, batch, together, 0, 4, Simd.Best, quantizedX256: shared);
            matrix.MatMul(x, batch, together, 4, rows, Simd.Best, quantizedX256: shared);
        }
        Assert.Equal(alone, together);
    }

    [Theory]
    [MemberData(nameof(TypesLevelsAndVnni))]
    public void Run_MatchesScalarReference_ForBatchesRowRangesAndRowLengths(GgmlType type, SimdLevel level, bool vnni)
    {
        // 19 rows: more than one chunk of 16; 70 batch rows: more than one chunk of 64.
        const int rows = 19, rowStart = 2;
        foreach (var (blocks, batch) in new[] { (1, 1), (3, 1), (2, 3), (2, 9), (5, 70) })
        {
            var cols = 256 * blocks;
            var weights = Quantizer.Quantize(type, TensorTestData.Gaussian(rows * cols, seed: blocks));
            var x = TensorTestData.Gaussian(batch * cols, seed: blocks + 100, sigma: 2);
            AssertMatchesScalar(type, level, vnni, weights, rows, cols, x, batch, rowStart);
        }
    }

    [Theory]
    [MemberData(nameof(TypesLevelsAndVnni))]
    public void Run_WithRandomBlockBytes_MatchesScalarReference(GgmlType type, SimdLevel level, bool vnni)
    {
        // Every bit pattern of q, scales and minimums (the largest scales, q and x meet), with the
        // half-precision scales made finite.
        const int rows = 8, blocks = 4;
        var cols = 256 * blocks;
        var weights = new byte[rows * GgmlTypeSizes.RowBytes(type, cols)];
        new Random(7).NextBytes(weights);
        var size = (int)GgmlTypeSizes.RowBytes(type, 256);
        for (var b = 0; b < rows * blocks; b++)
            MakeScalesFinite(type, weights.AsSpan(b * size, size));
        foreach (var batch in new[] { 1, 3, 6, 8, 17, 33 }) // decoded in registers (one row, tiles of four), and unpacked once (from 32 rows)
        {
            var x = TensorTestData.Gaussian(batch * cols, seed: 5, sigma: 2);
            for (var i = 0; i < cols; i += 3)
                x[i] = 100; // the block's maximum: many x bytes at ±127
            AssertMatchesScalar(type, level, vnni, weights, rows, cols, x, batch, 0);
        }
    }

    [Fact]
    public void Interleave_PutsOneSubBlockInEachDwordLane_AsInterleavedIndexSays()
    {
        var natural = Enumerable.Range(0, 256).Select(n => (byte)n).ToArray();
        var interleaved = new byte[256];
        fixed (byte* p = natural)
        fixed (byte* o = interleaved)
            for (var half = 0; half < 256; half += 128)
            {
                var (a, b, c, d) = (Vector256.Load(p + half), Vector256.Load(p + half + 32), Vector256.Load(p + half + 64), Vector256.Load(p + half + 96));
                ByteBlock256Kernels.Interleave(ref a, ref b, ref c, ref d);
                a.Store(o + half);
                b.Store(o + half + 32);
                c.Store(o + half + 64);
                d.Store(o + half + 96);
            }
        for (var position = 0; position < 256; position++)
            Assert.Equal(ByteBlock256Kernels.InterleavedIndex(position), interleaved[position]);
        Assert.Equal(natural, interleaved.Order().ToArray()); // every weight once
        for (var half = 0; half < 2; half++) // dword lane l of the four vectors of a half: the 16 weights of one sub-block
            for (var lane = 0; lane < 8; lane++)
            {
                var subBlocks = Enumerable.Range(0, 4).SelectMany(v => Enumerable.Range(0, 4).Select(i => interleaved[128 * half + 32 * v + 4 * lane + i] / 16)).Distinct();
                Assert.Single(subBlocks);
            }
    }

    [Theory]
    [MemberData(nameof(TypesOnly))]
    public void DotScalar_IsTheProductOfTheDequantizedWeightsAndActivations(GgmlType type)
    {
        const int rows = 5, cols = 768;
        var weights = Quantizer.Quantize(type, TensorTestData.Gaussian(rows * cols, seed: 3));
        var x = TensorTestData.Gaussian(cols, seed: 4);
        var activations = new ByteActivations256();
        activations.Quantize(x, 1, cols, SimdLevel.Scalar);
        var w = TensorTestData.Dequantize(type, weights, rows, cols);
        var y = new float[rows];
        fixed (byte* p = weights)
        fixed (float* output = y)
            new WeightMatrix(type, rows, cols, p).MatMul(x, 1, y, 0, rows, SimdLevel.Scalar);
        for (var r = 0; r < rows; r++)
        {
            double exact = 0, size = 0;
            for (var c = 0; c < cols; c++)
            {
                exact += (double)w[r * cols + c] * activations.Dequantized(0, c);
                size += Math.Abs((double)w[r * cols + c] * activations.Dequantized(0, c));
            }
            Assert.True(Math.Abs(y[r] - exact) <= 1e-6 * size, $"{type} row {r}: {y[r]} vs {exact}");
        }
    }

    private static void AssertMatchesScalar(GgmlType type, SimdLevel level, bool vnni, byte[] weights, int rows, int cols,
        float[] x, int batch, int rowStart)
    {
        var expected = new float[batch * rows];
        var actual = Enumerable.Repeat(float.NaN, batch * rows).ToArray();
        fixed (byte* p = weights)
        {
            var matrix = new WeightMatrix(type, rows, cols, p);
            matrix.MatMul(x, batch, expected, rowStart, rows, SimdLevel.Scalar);
            fixed (float* y = actual) // the kernels themselves: WeightMatrix sends most K-type batches with AVX-VNNI elsewhere
                switch (type)
                {
                    case GgmlType.Q4_K: ByteBlock256Kernels.Run((Q4_K*)p, rows, cols, x, batch, y, rowStart, rows, level, vnni); break;
                    case GgmlType.Q5_K: ByteBlock256Kernels.Run((Q5_K*)p, rows, cols, x, batch, y, rowStart, rows, level, vnni); break;
                    case GgmlType.Q6_K: ByteBlock256Kernels.Run((Q6_K*)p, rows, cols, x, batch, y, rowStart, rows, level, vnni); break;
                    case GgmlType.Q3_K: ByteBlock256Kernels.Run((Q3_K*)p, rows, cols, x, batch, y, rowStart, rows, level, vnni); break;
                    case GgmlType.IQ4_XS: ByteBlock256Kernels.Run((IQ4_XS*)p, rows, cols, x, batch, y, rowStart, rows, level, vnni); break;
                    default: matrix.MatMul(x, batch, actual, rowStart, rows, level, vnni: vnni); break;
                }
        }
        var w = TensorTestData.Dequantize(type, weights, rows, cols);
        for (var b = 0; b < batch; b++)
            for (var r = 0; r < rows; r++)
            {
                var value = actual[b * rows + r];
                if (r < rowStart)
                {
                    Assert.True(float.IsNaN(value), $"{type}: row {r} outside the range was written");
                    continue;
                }
                var size = 0.0;
                for (var c = 0; c < cols; c++)
                    size += Math.Abs((double)w[r * cols + c] * x[b * cols + c]);
                Assert.True(Math.Abs(value - expected[b * rows + r]) <= SimdVsScalarTolerance * size + 1e-6,
                    $"{type} {level} vnni {vnni} cols {cols} [{b},{r}]: {value} vs scalar {expected[b * rows + r]}");
            }
    }

    // Sets the block's half-precision scales to 2^-4 or -2^-4 (finite, with either sign).
    private static void MakeScalesFinite(GgmlType type, Span<byte> block)
    {
        var offsets = type switch
        {
            GgmlType.Q4_K or GgmlType.Q5_K => new[] { 0, 2 },
            GgmlType.Q6_K => [208],
            GgmlType.Q3_K => [108],
            GgmlType.Q2_K => [80, 82],
            _ => [0], // IQ4_XS
        };
        foreach (var o in offsets)
        {
            block[o] = 0x00;
            block[o + 1] = (byte)(0x2C | (block[o + 1] & 0x80));
        }
    }
}
