using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Tensors;

/// <summary>The float-activation batch path for Q8_0/Q4_0 (<see cref="Block32FloatBatch"/>, AVX-512)
/// against its scalar reference (dequantize, then a float dot product), and MatMul at batches that
/// take it against the double-precision product of the dequantized weights and the exact x.</summary>
public sealed unsafe class Block32FloatBatchTests
{
    /// <summary>Only float rounding (x is not quantized on this path), relative to Σ|w·x|.</summary>
    private const double FloatTolerance = 1e-5;

    /// <summary>Below AVX-512 the batch goes through the integer kernels: x is rounded to 14 bits.</summary>
    private const double QuantizedActivationTolerance = 2e-4;

    private static readonly int[] BlockCounts = [1, 2, 3, 5, 28, 37, 152];

    // 21 rows: a chunk of 16 and a partial one; the range [2, 21) starts inside the first.
    private const int Rows = 21, RowStart = 2;

    [Theory]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q4_0)]
    public void Kernel_MatchesScalarReference_ForManyBatchesAndRowLengths(GgmlType type)
    {
        if (!Simd.IsSupported(SimdLevel.Vector512))
        {
            // Without AVX-512 the path must never be taken (its kernels would not run).
            Assert.False(type == GgmlType.Q8_0 ? Block32FloatBatch.Applies<Q8_0>(64, Simd.Best) : Block32FloatBatch.Applies<Q4_0>(64, Simd.Best));
            return;
        }
        foreach (var batch in new[] { 4, 5, 8, 13, 16 })
            foreach (var blocks in BlockCounts)
            {
                var cols = blocks * 32;
                var (weights, x) = Inputs(type, batch, cols, blocks);
                var expected = new float[batch * Rows];
                var actual = Enumerable.Repeat(float.NaN, batch * Rows).ToArray();
                fixed (byte* p = weights)
                fixed (float* xp = x, e = expected, a = actual)
                {
                    if (type == GgmlType.Q8_0)
                    {
                        Block32FloatBatch.RunScalar((Q8_0*)p, Rows, cols, xp, batch, e, RowStart, Rows);
                        Block32FloatBatch.Run((Q8_0*)p, Rows, cols, xp, batch, a, RowStart, Rows);
                    }
                    else
                    {
                        Block32FloatBatch.RunScalar((Q4_0*)p, Rows, cols, xp, batch, e, RowStart, Rows);
                        Block32FloatBatch.Run((Q4_0*)p, Rows, cols, xp, batch, a, RowStart, Rows);
                    }
                }
                var w = TensorTestData.Dequantize(type, weights, Rows, cols);
                AssertClose(type, SimdLevel.Vector512, batch, cols, w, x, expected, actual, FloatTolerance, "scalar reference");
            }
    }

    public static IEnumerable<object[]> TypesAndLevels() =>
        from type in new[] { GgmlType.Q8_0, GgmlType.Q4_0 } from level in Simd.Supported select new object[] { type, level };

    [Theory]
    [MemberData(nameof(TypesAndLevels))]
    public void MatMul_AtLargeBatchesWithoutAvxVnni_MatchesDoublePrecisionReference(GgmlType type, SimdLevel level)
    {
        // As a CPU without AVX-VNNI runs them (with it, these batches take Block32ByteBatch).
        var tolerance = level == SimdLevel.Vector512 ? FloatTolerance : QuantizedActivationTolerance;
        foreach (var batch in new[] { Block32FloatBatch.MinBatch, Block32FloatBatch.MinBatch + 5 })
            foreach (var blocks in BlockCounts)
            {
                var cols = blocks * 32;
                var (weights, x) = Inputs(type, batch, cols, blocks);
                var actual = Enumerable.Repeat(float.NaN, batch * Rows).ToArray();
                fixed (byte* p = weights)
                    new WeightMatrix(type, Rows, cols, p).MatMul(x, batch, actual, RowStart, Rows, level, vnni: false);
                var w = TensorTestData.Dequantize(type, weights, Rows, cols);
                var reference = new float[batch * Rows];
                for (var b = 0; b < batch; b++)
                    for (var r = 0; r < Rows; r++)
                    {
                        double sum = 0;
                        for (var c = 0; c < cols; c++)
                            sum += (double)w[r * cols + c] * x[b * cols + c];
                        reference[b * Rows + r] = (float)sum;
                    }
                AssertClose(type, level, batch, cols, w, x, reference, actual, tolerance, "double reference");
            }
    }

    private static (byte[] Weights, float[] X) Inputs(GgmlType type, int batch, int cols, int seed) =>
        (Quantizer.Quantize(type, TensorTestData.Gaussian(Rows * cols, seed: seed, sigma: 0.05f)),
         TensorTestData.Gaussian(batch * cols, seed: seed + 500, sigma: 2));

    private static void AssertClose(GgmlType type, SimdLevel level, int batch, int cols, float[] w, float[] x,
        float[] expected, float[] actual, double tolerance, string what)
    {
        for (var b = 0; b < batch; b++)
            for (var r = 0; r < Rows; r++)
            {
                var at = b * Rows + r;
                if (r < RowStart)
                {
                    Assert.True(float.IsNaN(actual[at]), $"{type} {level} cols {cols}: row {r} outside the range was written");
                    continue;
                }
                double size = 0;
                for (var c = 0; c < cols; c++)
                    size += Math.Abs((double)w[r * cols + c] * x[b * cols + c]);
                Assert.True(Math.Abs(actual[at] - expected[at]) <= tolerance * size,
                    $"{type} {level} batch {batch} cols {cols} [{b},{r}]: {actual[at]} vs {what} {expected[at]}");
            }
    }
}
