using ChatWeb.Engine.Model;
using ChatWeb.Tests.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Model;

/// <summary>The attention kernels against their plain loops, on cache-shaped data ([dimension,
/// position], rows <see cref="Stride"/> floats apart) for every length up to a few vectors.</summary>
public sealed unsafe class AttentionKernelsTests
{
    private const int Stride = 80; // the cache's capacity: more than the positions used

    [Theory]
    [InlineData(64)]
    [InlineData(6)]
    public void Scores_EqualThePlainLoopToTheBit(int headDim)
    {
        var q = TensorTestData.Gaussian(headDim, seed: 1);
        var keys = TensorTestData.Gaussian(headDim * Stride, seed: 2);
        for (var positions = 0; positions <= 75; positions++)
        {
            var expected = new float[positions + 1];
            var actual = new float[positions + 1];
            expected[positions] = actual[positions] = 42; // past the end: left alone
            fixed (float* qp = q, k = keys, e = expected, a = actual)
            {
                AttentionKernels.ScoresScalar(qp, headDim, k, Stride, positions, 0.125f, e);
                AttentionKernels.Scores(qp, headDim, k, Stride, positions, 0.125f, a);
            }
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [InlineData(64)]
    [InlineData(7)]
    public void WeightedValues_MatchThePlainLoop(int headDim)
    {
        var values = TensorTestData.Gaussian(headDim * Stride, seed: 3);
        for (var positions = 1; positions <= 75; positions++)
        {
            var scores = TensorTestData.Gaussian(positions, seed: positions).Select(MathF.Abs).ToArray();
            var expected = new float[headDim + 1];
            var actual = new float[headDim + 1];
            expected[headDim] = actual[headDim] = 42;
            fixed (float* s = scores, v = values, e = expected, a = actual)
            {
                AttentionKernels.WeightedValuesScalar(s, positions, v, Stride, headDim, e);
                AttentionKernels.WeightedValues(s, positions, v, Stride, headDim, a);
            }
            for (var d = 0; d <= headDim; d++)
            {
                // only the order of the additions differs: float rounding, relative to Σ|s·v|
                double size = 0;
                for (var t = 0; t < positions && d < headDim; t++)
                    size += Math.Abs(scores[t] * values[d * Stride + t]);
                Assert.True(Math.Abs(expected[d] - actual[d]) <= 1e-6 * size, $"headDim {headDim} positions {positions} d {d}: {actual[d]} vs {expected[d]}");
            }
        }
    }

    [Theory]
    [InlineData(64)]
    [InlineData(7)]
    public void ScoresAndValuesOfSeveralHeads_EqualEachHeadAlone_ToTheBit(int headDim)
    {
        var keys = TensorTestData.Gaussian(headDim * Stride, seed: 4);
        var values = TensorTestData.Gaussian(headDim * Stride, seed: 5);
        foreach (var heads in new[] { 1, 2, 3, 4, 5, 7, 8 }) // four at a time, three as four, and the rest alone
            foreach (var positions in new[] { 1, 7, 8, 15, 16, 17, 33, 75 })
            {
                var q = TensorTestData.Gaussian(heads * headDim, seed: heads);
                var scores = TensorTestData.Gaussian(heads * positions, seed: positions).Select(MathF.Abs).ToArray();
                var (expectedScores, actualScores) = (new float[heads * positions + 1], new float[heads * positions + 1]);
                var (expectedOut, actualOut) = (new float[heads * headDim + 1], new float[heads * headDim + 1]);
                expectedScores[^1] = actualScores[^1] = expectedOut[^1] = actualOut[^1] = 42; // past the end: left alone
                fixed (float* qp = q, k = keys, v = values, s = scores, es = expectedScores, acs = actualScores, eo = expectedOut, ao = actualOut)
                {
                    for (var h = 0; h < heads; h++)
                    {
                        AttentionKernels.Scores(qp + h * headDim, headDim, k, Stride, positions, 0.125f, es + h * positions);
                        AttentionKernels.WeightedValues(s + h * positions, positions, v, Stride, headDim, eo + h * headDim);
                    }
                    AttentionKernels.ScoresHeads(qp, headDim, heads, headDim, k, Stride, positions, 0.125f, acs, positions);
                    AttentionKernels.WeightedValuesHeads(s, positions, heads, positions, v, Stride, headDim, ao, headDim);
                }
                Assert.Equal(expectedScores, actualScores);
                Assert.Equal(expectedOut, actualOut);
            }
    }
}
