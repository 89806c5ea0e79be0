using System.Runtime.Intrinsics.X86;
using ChatWeb.Engine.Gguf;
using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Tensors;

/// <summary>The 8-bit activation kernels of the 32-weight types with one scale per block against
/// their scalar reference, with and without AVX-VNNI, and the reference against the dequantized weights.
/// Q4_0 takes these kernels at batch 1 only (its batches go with Q8_0's: KernelTests, Block32ByteBatchTests).</summary>
public sealed unsafe class ByteBlock32KernelsTests
{
    /// <summary>Vector and scalar paths add the same exact integer sums per block, then the float
    /// block terms in another order (and the minimums as a separate float term), relative to Σ|w·x|.</summary>
    private const double SimdVsScalarTolerance = 1e-5;

    private static readonly GgmlType[] Types = [GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL];

    public static IEnumerable<object[]> TypesLevelsAndVnni() =>
        from type in Types
        from level in Simd.Supported.Where(l => l >= SimdLevel.Vector256)
        from vnni in AvxVnni.IsSupported ? new[] { false, true } : [false]
        select new object[] { type, level, vnni };

    public static IEnumerable<object[]> TypesOnly() => Types.Select(t => new object[] { t });

    [Theory]
    [MemberData(nameof(TypesLevelsAndVnni))]
    public void Run_MatchesScalarReference_ForBatchesRowRangesAndRowLengths(GgmlType type, SimdLevel level, bool vnni)
    {
        // 19 rows: more than one chunk of 16, and an odd count for the two-row decoding kernel; 70
        // batch rows: more than one chunk of 64; at batch 1, rows of whole groups of four blocks, of
        // groups and a rest, and of a rest alone.
        const int rows = 19, rowStart = 2;
        foreach (var (blocks, batch) in new[] { (1, 1), (3, 1), (8, 1), (13, 1), (40, 1), (152, 1), (2, 3), (5, 70) })
        {
            if (type == GgmlType.Q4_0 && batch > 1)
                continue;
            var cols = 32 * blocks;
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
        // half-precision scales made finite; batch 1 (decoding) and a batch.
        const int rows = 8, blocks = 9;
        var cols = 32 * blocks;
        var weights = new byte[rows * GgmlTypeSizes.RowBytes(type, cols)];
        new Random(7).NextBytes(weights);
        var size = (int)GgmlTypeSizes.RowBytes(type, 32);
        for (var b = 0; b < rows * blocks; b++)
            MakeScalesFinite(type, weights.AsSpan(b * size, size));
        foreach (var batch in type == GgmlType.Q4_0 ? [1] : new[] { 1, 5 })
        {
            var x = TensorTestData.Gaussian(batch * cols, seed: 5, sigma: 2);
            for (var i = 0; i < cols; i += 3)
                x[i] = 100; // the block's maximum: many x bytes at ±127
            AssertMatchesScalar(type, level, vnni, weights, rows, cols, x, batch, 0);
        }
    }

    [Theory]
    [MemberData(nameof(TypesOnly))]
    public void DotScalar_IsTheProductOfTheDequantizedWeightsAndActivations(GgmlType type)
    {
        const int rows = 5, cols = 96;
        var weights = Quantizer.Quantize(type, TensorTestData.Gaussian(rows * cols, seed: 3));
        var x = TensorTestData.Gaussian(cols, seed: 4);
        var activations = new ByteActivations();
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
            matrix.MatMul(x, batch, actual, rowStart, rows, level, vnni: vnni);
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

    [Theory]
    [MemberData(nameof(TypesOnly))]
    public void Bytes256_HoldsTheReferenceBytesInWeightOrder(GgmlType type)
    {
        var block = new byte[GgmlTypeSizes.RowBytes(type, 32)];
        var random = new Random(11);
        for (var trial = 0; trial < 50; trial++)
        {
            random.NextBytes(block);
            fixed (byte* p = block)
                for (var n = 0; n < 32; n++)
                {
                    var (vector, reference) = type switch
                    {
                        GgmlType.Q4_0 => ((int)Q4_0.Bytes256((Q4_0*)p)[n], Q4_0.ByteWeight((Q4_0*)p, n)),
                        GgmlType.Q4_1 => ((int)Q4_1.Bytes256((Q4_1*)p)[n], Q4_1.ByteWeight((Q4_1*)p, n)),
                        GgmlType.Q5_0 => (Q5_0.Bytes256((Q5_0*)p)[n], Q5_0.ByteWeight((Q5_0*)p, n)),
                        GgmlType.Q5_1 => (Q5_1.Bytes256((Q5_1*)p)[n], Q5_1.ByteWeight((Q5_1*)p, n)),
                        _ => ((sbyte)IQ4_NL.Bytes256((IQ4_NL*)p)[n], IQ4_NL.ByteWeight((IQ4_NL*)p, n)),
                    };
                    Assert.True(vector == reference, $"{type} weight {n}: {vector} vs {reference}");
                }
        }
    }

    // Sets the block's half-precision scale (and minimum) to 2^-4 or -2^-4 (finite, with either sign).
    private static void MakeScalesFinite(GgmlType type, Span<byte> block)
    {
        var offsets = type is GgmlType.Q4_1 or GgmlType.Q5_1 ? new[] { 0, 2 } : [0];
        foreach (var o in offsets)
        {
            block[o] = 0x00;
            block[o + 1] = (byte)(0x2C | (block[o + 1] & 0x80));
        }
    }
}
