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
}
