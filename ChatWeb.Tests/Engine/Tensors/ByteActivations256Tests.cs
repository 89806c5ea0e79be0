using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Tensors;

public sealed unsafe class ByteActivations256Tests
{
    public static IEnumerable<object[]> Levels() => Simd.Supported.Select(level => new object[] { level });

    [Theory]
    [MemberData(nameof(Levels))]
    public void Quantize_GivesTheSameBytesScalesAndSumsOnEveryPath(SimdLevel level)
    {
        const int rows = 3, cols = 2048;
        var x = TensorTestData.Gaussian(rows * cols, seed: 21, sigma: 2);
        Array.Clear(x, cols, 256); // a zero block
        Array.Clear(x, 2 * cols + 256, 256);
        x[2 * cols + 300] = 1e-44f; // a block whose 127 / amax overflows: all zero
        var reference = new ByteActivations256();
        reference.Quantize(x, rows, cols, SimdLevel.Scalar);
        var actual = new ByteActivations256();
        actual.Quantize(x, rows, cols, level);
        for (var r = 0; r < rows; r++)
        {
            Assert.Equal(new Span<sbyte>(reference.Values(r), cols).ToArray(), new Span<sbyte>(actual.Values(r), cols).ToArray());
            Assert.Equal(new Span<float>(reference.Scales(r), cols / 256).ToArray(), new Span<float>(actual.Scales(r), cols / 256).ToArray());
            Assert.Equal(new Span<short>(reference.Sums(r), cols / 16).ToArray(), new Span<short>(actual.Sums(r), cols / 16).ToArray());
        }
        Assert.All(new Span<sbyte>(actual.Values(2) + 256, 256).ToArray(), v => Assert.Equal(0, v));
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Quantize_ErrorIsAtMostHalfAStep_AndSumsAddUp(SimdLevel level)
    {
        const int rows = 2, cols = 1024;
        var x = TensorTestData.Gaussian(rows * cols, seed: 22, sigma: 3);
        var q = new ByteActivations256();
        q.Quantize(x, rows, cols, level);
        Assert.Equal((rows, cols), (q.Rows, q.Cols));
        for (var r = 0; r < rows; r++)
        {
            for (var i = 0; i < cols; i++)
            {
                var block = x.AsSpan(r * cols + i / 256 * 256, 256);
                var step = block.ToArray().Max(MathF.Abs) / ByteActivations256.MaxMagnitude;
                Assert.InRange(Math.Abs(q.Dequantized(r, i) - x[r * cols + i]), 0, step * 0.5001f);
                Assert.InRange((int)q.Values(r)[i], -ByteActivations256.MaxMagnitude, ByteActivations256.MaxMagnitude);
            }
            for (var k = 0; k < cols / 16; k++)
            {
                var sum = 0;
                for (var i = 0; i < 16; i++)
                    sum += q.Values(r)[k * 16 + i];
                Assert.Equal(sum, q.Sums(r)[k]);
            }
        }
    }

    public static IEnumerable<object[]> VectorLevels() => Levels().Where(l => (SimdLevel)l[0] >= SimdLevel.Vector256); // the tiles serve the 256-bit kernels

    [Theory]
    [MemberData(nameof(VectorLevels))]
    public void Quantize_KeepsEachWholeTileOfFourRows_BlockByBlock_Interleaved(SimdLevel level)
    {
        const int rows = 10, cols = 768; // two whole tiles and two rows left over
        var x = TensorTestData.Gaussian(rows * cols, seed: 23, sigma: 2);
        var q = new ByteActivations256();
        q.Quantize(x, rows, cols, level);
        for (var t = 0; t < rows / 4; t++)
            for (var i = 0; i < cols / 256; i++)
                for (var row = 0; row < 4; row++)
                {
                    var r = 4 * t + row;
                    var slot = i * 4 + row;
                    for (var p = 0; p < 256; p++)
                        Assert.Equal(q.Values(r)[i * 256 + ByteBlock256Kernels.InterleavedIndex(p)], q.TileValues(t)[slot * 256 + p]);
                    for (var k = 0; k < 16; k++)
                        Assert.Equal(q.Sums(r)[i * 16 + k] * q.Scales(r)[i], q.TileSums(t)[slot * 16 + k]);
                    Assert.Equal(q.Scales(r)[i], q.TileScales(t)[slot]);
                }
    }

    [Fact]
    public void Quantize_RejectsColumnsThatAreNotWholeBlocks() =>
        Assert.Throws<ArgumentException>(() => new ByteActivations256().Quantize(new float[288], 1, 288, SimdLevel.Scalar));
}
