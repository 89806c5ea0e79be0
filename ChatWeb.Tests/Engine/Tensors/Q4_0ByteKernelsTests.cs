using System.Runtime.Intrinsics.X86;
using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Tensors;

/// <summary>The Q4_0 × 8-bit activation kernels of every level (Vector256 with and without AVX-VNNI)
/// against their scalar reference, and the reference against a plain double-precision dot product.</summary>
public sealed unsafe class Q4_0ByteKernelsTests
{
    /// <summary>The same exact integer block sums added in a different order: agreement to float
    /// rounding, measured against Σ|w·x| (as in <see cref="KernelTests"/>).</summary>
    private const double SimdVsScalarTolerance = 1e-5;

    private static readonly int[] BlockCounts = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 28, 37, 152];

    public static IEnumerable<object[]> LevelsAndVnni()
    {
        foreach (var level in Simd.Supported)
        {
            yield return [level, false];
            if (level == SimdLevel.Vector256 && AvxVnni.IsSupported)
                yield return [level, true];
        }
    }

    [Theory]
    [MemberData(nameof(LevelsAndVnni))]
    public void DotRows_MatchesScalar_ForManyRowLengths(SimdLevel level, bool vnni)
    {
        const int rows = 5;
        foreach (var blocks in BlockCounts)
        {
            var cols = blocks * Q4_0.Weights;
            var weights = Quantizer.Quantize(GgmlType.Q4_0, TensorTestData.Gaussian(rows * cols, seed: blocks));
            AssertMatchesScalar(weights, rows, cols, TensorTestData.Gaussian(cols, seed: blocks + 3000), level, vnni);
        }
    }

    [Theory]
    [MemberData(nameof(LevelsAndVnni))]
    public void DotRows_MatchesScalar_ForAnyFiniteBlockScale(SimdLevel level, bool vnni)
    {
        // Random nibbles and half-precision scales of every finite kind: negative, tiny, subnormal,
        // large (the AVX-512 kernel converts the scales itself).
        const int rows = 3, blocks = 40, cols = blocks * Q4_0.Weights;
        var random = new Random(5);
        var weights = new byte[rows * blocks * sizeof(Q4_0)];
        random.NextBytes(weights);
        for (var b = 0; b < rows * blocks; b++)
        {
            ref var scale = ref System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(weights.AsSpan(b * sizeof(Q4_0), 2))[0];
            if ((scale & 0x7C00) == 0x7C00)
                scale &= 0xBFFF; // infinities and NaN made finite
            if (b % 7 == 0)
                scale &= 0x83FF; // subnormal (or zero)
        }
        AssertMatchesScalar(weights, rows, cols, TensorTestData.Gaussian(cols, seed: 6), level, vnni);
    }

    [Theory]
    [MemberData(nameof(LevelsAndVnni))]
    public void DotRows_WithExtremeNibblesAndActivations_DoesNotOverflow(SimdLevel level, bool vnni)
    {
        // Nibbles 0 and 15 (weights −8 and 7) against x at ±127: the largest int16 pair sums.
        const int rows = 2, blocks = 8, cols = blocks * Q4_0.Weights;
        var values = new float[rows * cols];
        for (var i = 0; i < values.Length; i++)
            values[i] = i < cols ? -8f : (i % 2 == 0 ? -8f : 7f);
        var weights = Quantizer.Quantize(GgmlType.Q4_0, values);
        var x = Enumerable.Range(0, cols).Select(i => i % 2 == 0 ? -3f : 3f).ToArray();
        AssertMatchesScalar(weights, rows, cols, x, level, vnni);
        var y = Run(weights, rows, cols, x, level, vnni);
        Assert.Equal(0f, y[0], 1e-3f); // −8·(−3) + −8·3 per pair
        Assert.Equal(cols / 2 * 45f, y[1], 1e-3f * cols); // −8·(−3) + 7·3 per pair
    }

    [Fact]
    public void DotScalar_IsTheDotProductOfTheDequantizedWeightsAndActivations()
    {
        const int rows = 4, blocks = 28, cols = blocks * Q4_0.Weights;
        var weights = Quantizer.Quantize(GgmlType.Q4_0, TensorTestData.Gaussian(rows * cols, seed: 7));
        var x = TensorTestData.Gaussian(cols, seed: 8);
        var w = TensorTestData.Dequantize(GgmlType.Q4_0, weights, rows, cols);
        var activations = new ByteActivations();
        activations.Quantize(x, 1, cols, SimdLevel.Scalar);
        var y = Run(weights, rows, cols, x, SimdLevel.Scalar, false);
        for (var r = 0; r < rows; r++)
        {
            var exact = 0.0;
            var size = 0.0;
            for (var c = 0; c < cols; c++)
            {
                exact += (double)w[r * cols + c] * activations.Dequantized(0, c);
                size += Math.Abs((double)w[r * cols + c] * activations.Dequantized(0, c));
            }
            Assert.True(Math.Abs(y[r] - exact) <= 1e-6 * size, $"row {r}: {y[r]} vs {exact}");
        }
    }

    private static void AssertMatchesScalar(byte[] weights, int rows, int cols, float[] x, SimdLevel level, bool vnni)
    {
        var expected = Run(weights, rows, cols, x, SimdLevel.Scalar, false);
        var actual = Run(weights, rows, cols, x, level, vnni);
        var w = TensorTestData.Dequantize(GgmlType.Q4_0, weights, rows, cols);
        for (var r = 0; r < rows; r++)
        {
            var size = 0.0;
            for (var c = 0; c < cols; c++)
                size += Math.Abs((double)w[r * cols + c] * x[c]);
            Assert.True(Math.Abs(actual[r] - expected[r]) <= SimdVsScalarTolerance * size,
                $"{level} vnni {vnni} cols {cols} row {r}: {actual[r]} vs scalar {expected[r]}");
        }
    }

    private static float[] Run(byte[] weights, int rows, int cols, float[] x, SimdLevel level, bool vnni)
    {
        var activations = new ByteActivations();
        activations.Quantize(x, 1, cols, level);
        var y = Enumerable.Repeat(float.NaN, rows).ToArray();
        fixed (byte* w = weights)
        fixed (float* output = y)
            Q4_0ByteKernels.DotRows((Q4_0*)w, cols / Q4_0.Weights, rows, activations, output, level, vnni);
        return y;
    }
}
