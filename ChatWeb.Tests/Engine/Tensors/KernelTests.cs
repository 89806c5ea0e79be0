using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Tensors;

/// <summary>Every vector path against the plain scalar reference, on random data and many row lengths.</summary>
public sealed unsafe class KernelTests
{
    /// <summary>Vector and scalar paths add the same exact integer block sums in a different order
    /// (and convert them to float at different points), so they agree to float rounding of the sum:
    /// the difference is measured against Σ|w·x|, the size of the terms.</summary>
    private const double SimdVsScalarTolerance = 1e-5;

    /// <summary>Row lengths in blocks: every multiple up to 256 weights (and 0 for the kernels),
    /// odd counts, and the widths of the benchmark shapes (896 and 4864).</summary>
    private static int[] BlockCounts(GgmlType type) => WeightMatrix.BlockSize(type) switch
    {
        1 => [1, 2, 3, 5, 8, 15, 16, 17, 31, 32, 33, 63, 64, 100, 128, 255, 256, 257, 896],
        32 => [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 28, 37, 152],
        _ => [1, 2, 3, 5, 19],
    };

    [Theory]
    [MemberData(nameof(TensorTestData.TypesAndLevels), MemberType = typeof(TensorTestData))]
    public void MatMul_AtEveryWidth_MatchesScalar_ForManyRowLengths(GgmlType type, SimdLevel level)
    {
        const int rows = 3;
        // 6 = one tile of 4 plus 2 rows one at a time. Where Q8_0/Q4_0 batches of that size take the
        // float-activation path (Block32FloatBatchTests covers it), stay below it to test the int16
        // kernels, with the AVX-VNNI byte path (Block32ByteBatchTests) turned off.
        var floatPath = type is GgmlType.Q8_0 or GgmlType.Q4_0 && level == SimdLevel.Vector512;
        var batch = floatPath ? Block32FloatBatch.MinBatch - 1 : 6;
        foreach (var blocks in BlockCounts(type))
        {
            var cols = blocks * WeightMatrix.BlockSize(type);
            var weights = Quantizer.Quantize(type, TensorTestData.Gaussian(rows * cols, seed: blocks));
            var x = TensorTestData.Gaussian(batch * cols, seed: blocks + 1000);
            var expected = new float[batch * rows];
            var actual = new float[batch * rows];
            fixed (byte* p = weights)
            {
                var matrix = new WeightMatrix(type, rows, cols, p);
                matrix.MatMul(x, batch, expected, 0, rows, SimdLevel.Scalar);
                matrix.MatMul(x, batch, actual, 0, rows, level, vnni: false);
            }
            var w = TensorTestData.Dequantize(type, weights, rows, cols);
            for (var b = 0; b < batch; b++)
                for (var r = 0; r < rows; r++)
                {
                    var size = 0.0;
                    for (var c = 0; c < cols; c++)
                        size += Math.Abs((double)w[r * cols + c] * x[b * cols + c]);
                    var difference = Math.Abs(actual[b * rows + r] - expected[b * rows + r]);
                    Assert.True(difference <= SimdVsScalarTolerance * size,
                        $"{type} {level} cols {cols} [{b},{r}]: {actual[b * rows + r]} vs scalar {expected[b * rows + r]}");
                }
        }
    }

    [Theory]
    [MemberData(nameof(TensorTestData.TypesAndLevels), MemberType = typeof(TensorTestData))]
    public void MatMul_AtBatchOne_MatchesScalar_ForManyRowLengthsAndRowRanges(GgmlType type, SimdLevel level)
    {
        // Decoding (batch 1) runs its own many-row kernels: 37 rows span several row chunks and
        // a partial one; the row range [3, 37) starts inside a chunk.
        const int rows = 37, rowStart = 3;
        foreach (var blocks in BlockCounts(type))
        {
            var cols = blocks * WeightMatrix.BlockSize(type);
            var weights = Quantizer.Quantize(type, TensorTestData.Gaussian(rows * cols, seed: blocks));
            var x = TensorTestData.Gaussian(cols, seed: blocks + 2000);
            var expected = new float[rows];
            var actual = Enumerable.Repeat(float.NaN, rows).ToArray();
            fixed (byte* p = weights)
            {
                var matrix = new WeightMatrix(type, rows, cols, p);
                matrix.MatMul(x, 1, expected, rowStart, rows, SimdLevel.Scalar);
                matrix.MatMul(x, 1, actual, rowStart, rows, level);
            }
            var w = TensorTestData.Dequantize(type, weights, rows, cols);
            for (var r = 0; r < rows; r++)
            {
                if (r < rowStart)
                {
                    Assert.True(float.IsNaN(actual[r]), $"{type} {level} cols {cols}: row {r} outside the range was written");
                    continue;
                }
                var size = 0.0;
                for (var c = 0; c < cols; c++)
                    size += Math.Abs((double)w[r * cols + c] * x[c]);
                var difference = Math.Abs(actual[r] - expected[r]);
                Assert.True(difference <= SimdVsScalarTolerance * size,
                    $"{type} {level} cols {cols} row {r}: {actual[r]} vs scalar {expected[r]}");
            }
        }
    }

    public static IEnumerable<object[]> QuantizedTypesAndLevels() => TensorTestData.QuantizedTypesAndLevels();

    public static IEnumerable<object[]> Block32TypesAndLevels() =>
        from type in new[] { GgmlType.Q8_0, GgmlType.Q4_0 } from level in Simd.Supported select new object[] { type, level };

    [Theory]
    [MemberData(nameof(Block32TypesAndLevels))]
    public void DotRow_OfZeroBlocks_IsZero(GgmlType type, SimdLevel level)
    {
        const int batch = 5;
        var cols = WeightMatrix.BlockSize(type);
        var x = new QuantizedActivations();
        x.Quantize(TensorTestData.Gaussian(batch * cols, seed: 1), batch, cols, cols, withGroupSums: true, level);
        var weights = Quantizer.Quantize(type, TensorTestData.Gaussian(cols, seed: 2));
        var y = Enumerable.Repeat(float.NaN, batch).ToArray();
        fixed (byte* p = weights)
        fixed (float* output = y)
        {
            switch (type)
            {
                case GgmlType.Q8_0: Q8_0.DotRow((Q8_0*)p, 0, x, 0, batch, output, 1, level); break;
                default: Q4_0.DotRow((Q4_0*)p, 0, x, 0, batch, output, 1, level); break;
            }
        }
        Assert.All(y, v => Assert.Equal(0f, v));
    }

    [Theory]
    [MemberData(nameof(QuantizedTypesAndLevels))]
    public void MatMul_WithExtremeValues_DoesNotOverflow(GgmlType type, SimdLevel level)
    {
        // Weights at the ends of their integer range and x at ±max in every position make the
        // largest integer partial sums the kernels can meet.
        const int rows = 2;
        var cols = 4 * WeightMatrix.BlockSize(type);
        var values = new float[rows * cols];
        for (var i = 0; i < values.Length; i++)
            values[i] = i < cols ? 1000f : (i % 2 == 0 ? -1000f : 1000f);
        var weights = Quantizer.Quantize(type, values);
        var x = Enumerable.Range(0, cols).Select(i => i % 2 == 0 ? -3f : 3f).ToArray();
        var expected = new float[rows];
        var actual = new float[rows];
        fixed (byte* p = weights)
        {
            var matrix = new WeightMatrix(type, rows, cols, p);
            matrix.MatMul(x, 1, expected, 0, rows, SimdLevel.Scalar);
            matrix.MatMul(x, 1, actual, 0, rows, level);
        }
        var w = TensorTestData.Dequantize(type, weights, rows, cols);
        for (var r = 0; r < rows; r++)
        {
            var reference = 0.0;
            for (var c = 0; c < cols; c++)
                reference += (double)w[r * cols + c] * x[c];
            var size = Enumerable.Range(0, cols).Sum(c => Math.Abs((double)w[r * cols + c] * x[c]));
            Assert.True(Math.Abs(actual[r] - reference) <= 1e-4 * size, $"{type} {level} row {r}: {actual[r]} vs {reference}");
            Assert.True(Math.Abs(expected[r] - reference) <= 1e-4 * size, $"{type} scalar row {r}: {expected[r]} vs {reference}");
        }
    }
}
