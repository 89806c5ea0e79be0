using ChatWeb.Engine.Model;
using ChatWeb.Engine.Tensors;
using ChatWeb.Tests.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Model;

/// <summary>The tile kernels against their plain loops at every vector width this machine runs, for
/// tiles of 1..9 query vectors (ragged against the four per pass) and spans around the 64-position blocks.</summary>
public sealed unsafe class AttentionTileKernelsTests
{
    private const int Stride = 160; // the cache's row length: more than the positions used

    public static TheoryData<SimdLevel, int> LevelsAndWidths()
    {
        var data = new TheoryData<SimdLevel, int>();
        foreach (var level in Simd.Supported)
            foreach (var headDim in new[] { 64, 128, 80, 7 }) // whole 512-bit blocks, 16 left over, not a multiple of 8
                data.Add(level, headDim);
        return data;
    }

    [Theory]
    [MemberData(nameof(LevelsAndWidths))]
    public void Scores_MatchThePlainLoop(SimdLevel level, int headDim)
    {
        var keys = TensorTestData.Gaussian(headDim * Stride, seed: 2);
        foreach (var count in new[] { 1, 3, 4, 5, 9 })
            foreach (var positions in new[] { 0, 1, 7, 8, 15, 16, 63, 64, 65, 72, 130, 150 })
            {
                var q = TensorTestData.Gaussian(count * headDim, seed: count);
                var scoresStride = positions + 3;
                var (expected, actual) = (Filled(count * scoresStride + 1), Filled(count * scoresStride + 1)); // the gaps and past the end: left alone
                fixed (float* qp = q, k = keys, e = expected, a = actual)
                {
                    AttentionTileKernels.ScoresScalar(qp, count, headDim, k, Stride, positions, e, scoresStride);
                    AttentionTileKernels.Scores(qp, count, headDim, k, Stride, positions, a, scoresStride, level);
                }
                for (var i = 0; i < expected.Length; i++)
                {
                    var (j, t) = (i / scoresStride, i % scoresStride);
                    double size = 0; // only the order of the additions and fused rounding differ: relative to Σ|q·k|
                    for (var d = 0; t < positions && j < count && d < headDim; d++)
                        size += Math.Abs(q[j * headDim + d] * keys[d * Stride + t]);
                    Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6 * size, $"{level} headDim {headDim} count {count} positions {positions} [{j}, {t}]: {actual[i]} vs {expected[i]}");
                }
            }
    }

    [Theory]
    [MemberData(nameof(LevelsAndWidths))]
    public void WeightedValues_MatchThePlainLoop(SimdLevel level, int headDim)
    {
        var values = TensorTestData.Gaussian(Stride * headDim, seed: 3); // [position, dimension]
        foreach (var count in new[] { 1, 3, 4, 5, 9 })
            foreach (var positions in new[] { 1, 7, 63, 64, 65, 130, 150 })
            {
                var scoresStride = positions + 5;
                var scores = TensorTestData.Gaussian(count * scoresStride, seed: positions).Select(MathF.Abs).ToArray();
                var (expected, actual) = (Filled(count * headDim + 1), Filled(count * headDim + 1));
                fixed (float* s = scores, v = values, e = expected, a = actual)
                {
                    AttentionTileKernels.WeightedValuesScalar(s, scoresStride, count, positions, v, headDim, e);
                    AttentionTileKernels.WeightedValues(s, scoresStride, count, positions, v, headDim, a, level);
                }
                for (var i = 0; i < expected.Length; i++)
                {
                    var (j, d) = (i / headDim, i % headDim);
                    double size = 0;
                    for (var t = 0; t < positions && j < count; t++)
                        size += Math.Abs(scores[j * scoresStride + t] * values[t * headDim + d]);
                    Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6 * size, $"{level} headDim {headDim} count {count} positions {positions} [{j}, {d}]: {actual[i]} vs {expected[i]}");
                }
                Assert.Equal(42, actual[^1]);
            }
    }

    [Fact]
    public void Transpose_TurnsDimensionRowsIntoPositionRows()
    {
        const int dims = 5, positions = 37;
        var source = TensorTestData.Gaussian(dims * Stride, seed: 7);
        var target = Filled(positions * dims + 1);
        fixed (float* s = source, t = target)
            AttentionTileKernels.Transpose(s, Stride, dims, positions, t);
        for (var t = 0; t < positions; t++)
            for (var d = 0; d < dims; d++)
                Assert.Equal(source[d * Stride + t], target[t * dims + d]);
        Assert.Equal(42, target[^1]);
    }

    private static float[] Filled(int length) => Enumerable.Repeat(42f, length).ToArray();
}
