using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Tensors;

public sealed unsafe class TiledByteActivationsTests
{
    public static IEnumerable<object[]> Levels() => Simd.Supported.Select(level => new object[] { level });

    [Theory]
    [MemberData(nameof(Levels))]
    public void Quantize_GivesTheSameBytesScalesAndSumsOnEveryPath(SimdLevel level)
    {
        const int batch = 11, cols = 160; // a whole tile and a padded one
        var x = TensorTestData.Gaussian(batch * cols, seed: 21, sigma: 3);
        x[5] = 0;
        Array.Clear(x, cols, 32); // a zero block
        var reference = new TiledByteActivations();
        reference.Quantize(x, batch, cols, SimdLevel.Scalar);
        var actual = new TiledByteActivations();
        actual.Quantize(x, batch, cols, level);
        Assert.Equal(2, actual.Tiles);
        for (var t = 0; t < actual.Tiles; t++)
        {
            Assert.Equal(new Span<sbyte>(reference.Values(t), 8 * cols).ToArray(), new Span<sbyte>(actual.Values(t), 8 * cols).ToArray());
            Assert.Equal(new Span<float>(reference.Scales(t), 8 * cols / 32).ToArray(), new Span<float>(actual.Scales(t), 8 * cols / 32).ToArray());
            Assert.Equal(new Span<int>(reference.NegatedSums(t), 8 * cols / 32).ToArray(), new Span<int>(actual.NegatedSums(t), 8 * cols / 32).ToArray());
        }
    }

    [Fact]
    public void Quantize_ErrorIsAtMostHalfAStep_SumsAddUp_AndPaddingIsZero()
    {
        const int batch = 10, cols = 96;
        var x = TensorTestData.Gaussian(batch * cols, seed: 22, sigma: 3);
        var q = new TiledByteActivations();
        q.Quantize(x, batch, cols, Simd.Best);
        for (var b = 0; b < 16; b++)
            for (var block = 0; block < cols / 32; block++)
            {
                var sum = 0;
                for (var j = 0; j < 32; j++)
                {
                    var i = block * 32 + j;
                    sum += q.Quantized(b, i);
                    if (b >= batch)
                    {
                        Assert.Equal(0, q.Quantized(b, i));
                        continue;
                    }
                    var step = x.AsSpan(b * cols + block * 32, 32).ToArray().Max(MathF.Abs) / 127;
                    Assert.InRange(Math.Abs(q.Dequantized(b, i) - x[b * cols + i]), 0, step * 0.5001f);
                    Assert.InRange(q.Quantized(b, i), -127, 127);
                }
                Assert.Equal(-sum, q.NegatedSums(b / 8)[block * 8 + b % 8]);
            }
    }
}
