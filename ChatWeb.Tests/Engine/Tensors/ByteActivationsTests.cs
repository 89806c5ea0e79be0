using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Tensors;

public sealed unsafe class ByteActivationsTests
{
    public static IEnumerable<object[]> Levels() => Simd.Supported.Select(level => new object[] { level });

    [Theory]
    [MemberData(nameof(Levels))]
    public void Quantize_GivesTheSameBytesScalesAndSumsOnEveryPath(SimdLevel level)
    {
        const int rows = 3, cols = 4864;
        var x = TensorTestData.Gaussian(rows * cols, seed: 21, sigma: 2);
        x[5] = 0;
        Array.Clear(x, cols, 32); // a zero block
        x[2 * cols + 40] = 1e-44f; // a block whose 127 / amax overflows: all zero
        Array.Clear(x, 2 * cols + 32, 8);
        Array.Clear(x, 2 * cols + 41, 23);
        var reference = new ByteActivations();
        reference.Quantize(x, rows, cols, SimdLevel.Scalar);
        var actual = new ByteActivations();
        actual.Quantize(x, rows, cols, level);
        for (var r = 0; r < rows; r++)
        {
            Assert.Equal(new Span<sbyte>(reference.Values(r), cols).ToArray(), new Span<sbyte>(actual.Values(r), cols).ToArray());
            Assert.Equal(new Span<float>(reference.Scales(r), cols / 32).ToArray(), new Span<float>(actual.Scales(r), cols / 32).ToArray());
            Assert.Equal(new Span<int>(reference.Sums(r), cols / 32).ToArray(), new Span<int>(actual.Sums(r), cols / 32).ToArray());
        }
        Assert.All(new Span<sbyte>(actual.Values(2) + 32, 32).ToArray(), v => Assert.Equal(0, v));
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Quantize_ErrorIsAtMostHalfAStep_AndSumsAddUp(SimdLevel level)
    {
        const int rows = 2, cols = 896;
        var x = TensorTestData.Gaussian(rows * cols, seed: 22, sigma: 3);
        var q = new ByteActivations();
        q.Quantize(x, rows, cols, level);
        Assert.Equal((rows, cols), (q.Rows, q.Cols));
        for (var r = 0; r < rows; r++)
        {
            for (var i = 0; i < cols; i++)
            {
                var block = x.AsSpan(r * cols + i / 32 * 32, 32);
                var step = block.ToArray().Max(MathF.Abs) / ByteActivations.MaxMagnitude;
                Assert.InRange(Math.Abs(q.Dequantized(r, i) - x[r * cols + i]), 0, step * 0.5001f);
                Assert.InRange((int)q.Values(r)[i], -ByteActivations.MaxMagnitude, ByteActivations.MaxMagnitude);
            }
            for (var k = 0; k < cols / 32; k++)
            {
                var sum = 0;
                for (var i = 0; i < 32; i++)
                    sum += q.Values(r)[k * 32 + i];
                Assert.Equal(sum, q.Sums(r)[k]);
            }
        }
    }

    [Fact]
    public void Quantize_ReusesItsBuffers_ForSmallerInputs_AndGrowsForLarger()
    {
        var q = new ByteActivations();
        var large = TensorTestData.Gaussian(4 * 256, seed: 23);
        q.Quantize(large, 4, 256, Simd.Best);
        var small = TensorTestData.Gaussian(64, seed: 24);
        q.Quantize(small, 1, 64, Simd.Best);
        Assert.Equal((1, 64), (q.Rows, q.Cols));
        Assert.Equal(MathF.Round(small[63] / q.Scales(0)[1]), q.Values(0)[63]);
        q.Quantize(large, 2, 512, Simd.Best);
        Assert.Equal(MathF.Round(large[1023] / q.Scales(1)[15]), q.Values(1)[511]);
    }

    [Fact]
    public void Quantize_RejectsColumnsThatAreNotWholeBlocks()
    {
        var error = Assert.Throws<ArgumentException>(() => new ByteActivations().Quantize(new float[40], 1, 40, Simd.Best));
        Assert.Contains("multiple", error.Message);
    }
}
