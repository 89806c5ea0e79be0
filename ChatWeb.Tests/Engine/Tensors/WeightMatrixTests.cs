using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Tensors;

/// <summary>MatMul against a double-precision product of the dequantized weights and the exact x.</summary>
public sealed unsafe class WeightMatrixTests
{
    /// <summary>Float weight types: only float rounding, relative to Σ|w·x|.</summary>
    private const double FloatTolerance = 1e-5;

    /// <summary>Quantized types also round x to 14-bit integers per block (step max|x|/8191, error
    /// at most half of it per value), relative to Σ|w·x|.</summary>
    private const double QuantizedActivationTolerance = 2e-4;

    /// <summary>8-bit x (step max|x|/127, as llama.cpp): per block of 32 for Q4_0 at batch 1 (decoding)
    /// and Q8_0/Q4_0 batches on the AVX-VNNI path (Block32ByteBatch), per 32 for Q4_1, Q5_0, Q5_1 and
    /// IQ4_NL (ByteBlock32Kernels), per 256 for the K-quants and
    /// IQ4_XS (ByteBlock256Kernels); the 14-bit bound scaled by the ratio of the steps, 8191/127.</summary>
    private const double ByteActivationTolerance = QuantizedActivationTolerance * 8191 / 127;

    private static double Tolerance(GgmlType type, SimdLevel level, int batch) => type switch
    {
        GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 => FloatTolerance,
        GgmlType.Q4_0 when batch == 1 => ByteActivationTolerance,
        _ when Block32ByteBatch.Applies(type, batch, level) => ByteActivationTolerance,
        _ when WeightMatrix.UsesByteBlock256(type) || WeightMatrix.UsesByteBlock32(type) => ByteActivationTolerance,
        _ => QuantizedActivationTolerance,
    };

    public static IEnumerable<object[]> TypesLevelsAndBatches() =>
        from type in TensorTestData.AllTypes
        from level in Simd.Supported
        from batch in new[] { 1, 3, 8, 37 } // 37: more than one cache block of batch rows and a partial tile
        select new object[] { type, level, batch };

    [Theory]
    [MemberData(nameof(TypesLevelsAndBatches))]
    public void MatMul_MatchesDoublePrecisionReference(GgmlType type, SimdLevel level, int batch)
    {
        const int rows = 19, cols = 512; // 19: more than one cache block of weight rows
        var weights = Quantizer.Quantize(type, TensorTestData.Gaussian(rows * cols, seed: 21, sigma: 0.05f));
        var x = TensorTestData.Gaussian(batch * cols, seed: 22, sigma: 2);
        var y = new float[batch * rows];
        fixed (byte* p = weights)
            new WeightMatrix(type, rows, cols, p).MatMul(x, batch, y, 0, rows, level);
        AssertMatchesReference(type, level, weights, rows, cols, x, batch, y, 0, rows);
    }

    [Theory]
    [MemberData(nameof(TensorTestData.TypesAndLevels), MemberType = typeof(TensorTestData))]
    public void MatMul_OverPartOfTheRows_WritesOnlyThoseRows(GgmlType type, SimdLevel level)
    {
        const int rows = 9, cols = 256, batch = 5, start = 2, end = 6;
        var weights = Quantizer.Quantize(type, TensorTestData.Gaussian(rows * cols, seed: 31));
        var x = TensorTestData.Gaussian(batch * cols, seed: 32);
        var y = Enumerable.Repeat(float.NaN, batch * rows).ToArray();
        fixed (byte* p = weights)
            new WeightMatrix(type, rows, cols, p).MatMul(x, batch, y, start, end, level);
        for (var b = 0; b < batch; b++)
            for (var r = 0; r < rows; r++)
                Assert.Equal(r is >= start and < end, !float.IsNaN(y[b * rows + r]));
        AssertMatchesReference(type, level, weights, rows, cols, x, batch, y, start, end);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void MatMul_FromManyThreadsOnDisjointRows_MatchesOneCall(GgmlType type)
    {
        const int rows = 64, cols = 512, batch = 5, parts = 8;
        var weights = Quantizer.Quantize(type, TensorTestData.Gaussian(rows * cols, seed: 41));
        var x = TensorTestData.Gaussian(batch * cols, seed: 42);
        var whole = new float[batch * rows];
        var split = new float[batch * rows];
        fixed (byte* p = weights)
        {
            var matrix = new WeightMatrix(type, rows, cols, p);
            matrix.MatMul(x, batch, whole, 0, rows);
            Parallel.For(0, parts * 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            {
                var part = i % parts; // each part computed four times, from whichever threads run it
                matrix.MatMul(x, batch, split, part * rows / parts, (part + 1) * rows / parts);
            });
        }
        Assert.Equal(whole, split);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void MatMul_InSteadyState_AllocatesNothing(GgmlType type)
    {
        const int rows = 16, cols = 512, batch = 6;
        var weights = Quantizer.Quantize(type, TensorTestData.Gaussian(rows * cols, seed: 51));
        var x = TensorTestData.Gaussian(batch * cols, seed: 52);
        var y = new float[batch * rows];
        fixed (byte* p = weights)
        {
            var matrix = new WeightMatrix(type, rows, cols, p);
            matrix.MatMul(x, batch, y, 0, rows); // grows this thread's scratch once
            var before = GC.GetAllocatedBytesForCurrentThread();
            matrix.MatMul(x, batch, y, 0, rows);
            matrix.MatMul(x.AsSpan(0, cols), 1, y, 3, 9);
            Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        }
    }

    public static IEnumerable<object[]> Types() => TensorTestData.AllTypes.Select(t => new object[] { t });

    [Fact]
    public void MatMul_RejectsShortBuffersAndBadRanges()
    {
        var weights = Quantizer.Quantize(GgmlType.Q8_0, new float[4 * 64]);
        fixed (byte* p = weights)
        {
            var matrix = new WeightMatrix(GgmlType.Q8_0, 4, 64, p);
            Assert.Contains("2 × 64", Assert.Throws<ArgumentException>(() => matrix.MatMul(new float[100], 2, new float[8], 0, 4)).Message);
            Assert.Contains("2 × 4", Assert.Throws<ArgumentException>(() => matrix.MatMul(new float[128], 2, new float[7], 0, 4)).Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => matrix.MatMul(new float[64], 1, new float[4], 3, 5));
            Assert.Throws<ArgumentOutOfRangeException>(() => matrix.DequantizeRow(4, new float[64]));
        }
    }

    private static void AssertMatchesReference(GgmlType type, SimdLevel level, byte[] weights, int rows, int cols, float[] x, int batch, float[] y, int start, int end)
    {
        var w = TensorTestData.Dequantize(type, weights, rows, cols);
        for (var b = 0; b < batch; b++)
            for (var r = start; r < end; r++)
            {
                double reference = 0, size = 0;
                for (var c = 0; c < cols; c++)
                {
                    reference += (double)w[r * cols + c] * x[b * cols + c];
                    size += Math.Abs((double)w[r * cols + c] * x[b * cols + c]);
                }
                var actual = y[b * rows + r];
                Assert.True(Math.Abs(actual - reference) <= Tolerance(type, level, batch) * size,
                    $"{type} y[{b},{r}] = {actual}, reference {reference:G9} (size {size:G4})");
            }
    }
}
