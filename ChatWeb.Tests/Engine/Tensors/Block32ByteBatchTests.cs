using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Tensors;

/// <summary>The 8-bit-activation batch path for the 32-weight types and Q4_K/Q5_K/Q6_K/Q3_K/IQ4_XS (<see cref="Block32ByteBatch"/>, AVX-VNNI)
/// against its scalar reference, and MatMul at batches that take it against the double-precision
/// product of the dequantized weights and the exact x.</summary>
public sealed unsafe class Block32ByteBatchTests
{
    /// <summary>x rounded to 8 bits per block of 32, relative to Σ|w·x|: the rounding errors add up like
    /// a random walk, so the shortest rows (one or two blocks) come closest (4.3e-3 seen on these inputs).</summary>
    private const double ByteActivationTolerance = 1e-2;

    private static readonly int[] BlockCounts = [1, 2, 3, 5, 28, 37, 152];

    // The 256-weight types in 32-weight blocks: rows of 1, 2, 3, 7 and 19 blocks of 256.
    private static readonly int[] KBlockCounts = [8, 16, 24, 56, 152];

    private static bool IsK(GgmlType type) => type is GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K or GgmlType.Q3_K or GgmlType.IQ4_XS;

    private static int[] BlocksFor(GgmlType type) => IsK(type) ? KBlockCounts : BlockCounts;

    // 23 rows: a chunk of 16 and a partial one; the range [2, 23) starts inside the first and leaves
    // rows over after the groups of four.
    private const int Rows = 23, RowStart = 2;

    [Theory]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q4_1)]
    [InlineData(GgmlType.Q5_0)]
    [InlineData(GgmlType.Q5_1)]
    [InlineData(GgmlType.IQ4_NL)]
    [InlineData(GgmlType.Q4_K)]
    [InlineData(GgmlType.Q5_K)]
    [InlineData(GgmlType.Q6_K)]
    [InlineData(GgmlType.Q3_K)]
    [InlineData(GgmlType.IQ4_XS)]
    public void Kernel_MatchesScalarReferenceExactly_ForManyBatchesAndRowLengths(GgmlType type)
    {
        if (!Block32ByteBatch.IsSupported || !Simd.IsSupported(SimdLevel.Vector512))
        {
            // Without AVX-VNNI (or AVX-512) the path must never be taken (its kernels would not run).
            Assert.False(Block32ByteBatch.Applies(type, 64, Simd.Best));
            return;
        }
        foreach (var batch in IsK(type) ? [2, 3, 8, 9, 17, 64] : new[] { 3, 8, 9, 16, 21, 85 })
            foreach (var blocks in BlocksFor(type))
            {
                var cols = blocks * 32;
                var (weights, x) = Inputs(type, batch, cols, blocks);
                var expected = Enumerable.Repeat(float.NaN, batch * Rows).ToArray();
                var actual = Enumerable.Repeat(float.NaN, batch * Rows).ToArray();
                fixed (byte* p = weights)
                fixed (float* e = expected, a = actual)
                    switch (type)
                    {
                        case GgmlType.Q8_0: Both((Q8_0*)p, cols, x, batch, e, a); break;
                        case GgmlType.Q4_0: Both((Q4_0*)p, cols, x, batch, e, a); break;
                        case GgmlType.Q4_1: Both((Q4_1*)p, cols, x, batch, e, a); break;
                        case GgmlType.Q5_0: Both((Q5_0*)p, cols, x, batch, e, a); break;
                        case GgmlType.Q5_1: Both((Q5_1*)p, cols, x, batch, e, a); break;
                        case GgmlType.Q4_K: Both((Q4_K*)p, cols, x, batch, e, a); break;
                        case GgmlType.Q5_K: Both((Q5_K*)p, cols, x, batch, e, a); break;
                        case GgmlType.Q6_K: Both((Q6_K*)p, cols, x, batch, e, a); break;
                        case GgmlType.Q3_K: Both((Q3_K*)p, cols, x, batch, e, a); break;
                        case GgmlType.IQ4_XS: Both((IQ4_XS*)p, cols, x, batch, e, a); break;
                        default: Both((IQ4_NL*)p, cols, x, batch, e, a); break;
                    }
                // Same integer sums, same float operations in the same order: equal to the bit.
                Assert.Equal(expected, actual);
                for (var b = 0; b < batch; b++)
                    for (var r = 0; r < Rows; r++)
                        Assert.True(float.IsNaN(actual[b * Rows + r]) == (r < RowStart), $"{type} batch {batch} cols {cols} [{b},{r}]");
            }
    }

    [Theory]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q4_1)]
    [InlineData(GgmlType.Q5_0)]
    [InlineData(GgmlType.Q5_1)]
    [InlineData(GgmlType.IQ4_NL)]
    [InlineData(GgmlType.Q4_K)]
    [InlineData(GgmlType.Q5_K)]
    [InlineData(GgmlType.Q6_K)]
    [InlineData(GgmlType.Q3_K)]
    [InlineData(GgmlType.IQ4_XS)]
    public void MatMul_AtBatchesOnThisPath_MatchesDoublePrecisionReference(GgmlType type)
    {
        var level = Simd.Best;
        foreach (var batch in new[] { IsK(type) ? Block32ByteBatch.MinBatch256 : Block32ByteBatch.MinBatch, 8, 13 })
            foreach (var blocks in BlocksFor(type))
            {
                var cols = blocks * 32;
                var (weights, x) = Inputs(type, batch, cols, blocks);
                var actual = Enumerable.Repeat(float.NaN, batch * Rows).ToArray();
                fixed (byte* p = weights)
                    new WeightMatrix(type, Rows, cols, p).MatMul(x, batch, actual, RowStart, Rows, level);
                var w = TensorTestData.Dequantize(type, weights, Rows, cols);
                for (var b = 0; b < batch; b++)
                    for (var r = RowStart; r < Rows; r++)
                    {
                        double sum = 0, size = 0;
                        for (var c = 0; c < cols; c++)
                        {
                            sum += (double)w[r * cols + c] * x[b * cols + c];
                            size += Math.Abs((double)w[r * cols + c] * x[b * cols + c]);
                        }
                        Assert.True(Math.Abs(actual[b * Rows + r] - sum) <= ByteActivationTolerance * size,
                            $"{type} {level} batch {batch} cols {cols} [{b},{r}]: {actual[b * Rows + r]} vs {sum} (Σ|w·x| {size})");
                    }
            }
    }

    [Theory]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q4_1)]
    [InlineData(GgmlType.Q5_0)]
    [InlineData(GgmlType.Q5_1)]
    [InlineData(GgmlType.IQ4_NL)]
    [InlineData(GgmlType.Q4_K)]
    [InlineData(GgmlType.Q5_K)]
    [InlineData(GgmlType.Q6_K)]
    [InlineData(GgmlType.Q3_K)]
    [InlineData(GgmlType.IQ4_XS)]
    public void MatMul_WithXQuantizedOnceForAllThreads_EqualsQuantizingPerCall(GgmlType type)
    {
        const int batch = 11, blocks = 40, cols = blocks * 32;
        var (weights, x) = Inputs(type, batch, cols, blocks);
        var shared = new TiledByteActivations();
        shared.Quantize(x, batch, cols, Simd.Best);
        var perCall = new float[batch * Rows];
        var prepared = new float[batch * Rows];
        fixed (byte* p = weights)
        {
            var matrix = new WeightMatrix(type, Rows, cols, p);
            matrix.MatMul(x, batch, perCall, 0, Rows, Simd.Best);
            // two disjoint row ranges, as two threads of one product would ask for them
            matrix.MatMul(x, batch, prepared, 0, 9, Simd.Best, shared);
            matrix.MatMul(x, batch, prepared, 9, Rows, Simd.Best, shared);
        }
        Assert.Equal(perCall, prepared);
    }

    // The reference into expected, the vector path into actual, for rows [RowStart, Rows).
    private static void Both<T>(T* w, int cols, float[] x, int batch, float* expected, float* actual)
        where T : unmanaged, IQuantizedBlock<T>
    {
        Block32ByteBatch.RunScalar(w, Rows, cols, x, batch, expected, RowStart, Rows);
        Block32ByteBatch.Run(w, Rows, cols, x, batch, actual, RowStart, Rows);
    }

    private static (byte[] Weights, float[] X) Inputs(GgmlType type, int batch, int cols, int seed) =>
        (Quantizer.Quantize(type, TensorTestData.Gaussian(Rows * cols, seed: seed, sigma: 0.05f)),
         TensorTestData.Gaussian(batch * cols, seed: seed + 500, sigma: 2));
}
