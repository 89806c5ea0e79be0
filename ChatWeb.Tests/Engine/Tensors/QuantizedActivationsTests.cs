using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Tensors;

public sealed unsafe class QuantizedActivationsTests
{
    public static IEnumerable<object[]> BlockSizesAndLevels() =>
        from blockSize in new[] { 32, 256 } from level in Simd.Supported select new object[] { blockSize, level };

    [Theory]
    [MemberData(nameof(BlockSizesAndLevels))]
    public void Quantize_GivesTheSameIntegersOnEveryPath(int blockSize, SimdLevel level)
    {
        const int batch = 3, cols = 768;
        var x = TensorTestData.Gaussian(batch * cols, seed: 11);
        x[5] = 0; // a few exact values and a zero block
        Array.Clear(x, cols, blockSize);
        var reference = new QuantizedActivations();
        reference.Quantize(x, batch, cols, blockSize, withGroupSums: true, SimdLevel.Scalar);
        var actual = new QuantizedActivations();
        actual.Quantize(x, batch, cols, blockSize, withGroupSums: true, level);
        for (var b = 0; b < batch; b++)
        {
            Assert.Equal(new Span<short>(reference.Values(b), cols).ToArray(), new Span<short>(actual.Values(b), cols).ToArray());
            Assert.Equal(new Span<float>(reference.Scales(b), cols / blockSize).ToArray(), new Span<float>(actual.Scales(b), cols / blockSize).ToArray());
            Assert.Equal(new Span<int>(reference.GroupSums(b), cols / 32).ToArray(), new Span<int>(actual.GroupSums(b), cols / 32).ToArray());
        }
    }

    [Theory]
    [InlineData(32)]
    [InlineData(256)]
    public void Quantize_ErrorIsAtMostHalfAStep_AndGroupSumsAddUp(int blockSize)
    {
        const int batch = 2, cols = 512;
        var x = TensorTestData.Gaussian(batch * cols, seed: 12, sigma: 3);
        var q = new QuantizedActivations();
        q.Quantize(x, batch, cols, blockSize, withGroupSums: true, Simd.Best);
        for (var b = 0; b < batch; b++)
            for (var i = 0; i < cols; i++)
            {
                var block = x.AsSpan(b * cols + i / blockSize * blockSize, blockSize);
                var step = block.ToArray().Max(MathF.Abs) / QuantizedActivations.MaxMagnitude;
                Assert.InRange(Math.Abs(q.Dequantized(b, i) - x[b * cols + i]), 0, step * 0.5001f);
                Assert.InRange((int)q.Values(b)[i], -QuantizedActivations.MaxMagnitude, QuantizedActivations.MaxMagnitude);
            }
        for (var g = 0; g < cols / 32; g++)
        {
            var sum = 0;
            for (var i = 0; i < 32; i++)
                sum += q.Values(1)[g * 32 + i];
            Assert.Equal(sum, q.GroupSums(1)[g]);
        }
    }
}
