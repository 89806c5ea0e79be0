using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Tensors;

/// <summary>Quantize → dequantize round trips on Gaussian data stay within each type's expected error.</summary>
public sealed class QuantizerTests
{
    /// <summary>RMS error ÷ RMS value allowed per type for N(0, 1) data. The expected error is about a
    /// uniform rounding error of one quantization step (step/√12): F16 2^-11, BF16 2^-8 relative;
    /// Q8_0 max/127 per 32; Q6_K max/32 per 16; Q4_0 max/8 per 32; Q4_K range/15 per 32.</summary>
    public static readonly Dictionary<GgmlType, double> RoundTripTolerance = new()
    {
        [GgmlType.F32] = 0,
        [GgmlType.F16] = 3e-4,
        [GgmlType.BF16] = 2.5e-3,
        [GgmlType.Q8_0] = 0.008,
        [GgmlType.Q6_K] = 0.025,
        [GgmlType.Q4_0] = 0.11,
        [GgmlType.Q4_K] = 0.11,
        [GgmlType.Q4_1] = 0.11,
        [GgmlType.Q5_0] = 0.06,
        [GgmlType.Q5_1] = 0.06,
        [GgmlType.Q5_K] = 0.06,
        [GgmlType.IQ4_NL] = 0.11,
        [GgmlType.IQ4_XS] = 0.11,
        [GgmlType.Q3_K] = 0.25,
        [GgmlType.Q2_K] = 0.45,
    };

    public static IEnumerable<object[]> Types() => TensorTestData.AllTypes.Select(t => new object[] { t });

    [Theory]
    [MemberData(nameof(Types))]
    public void RoundTrip_ErrorIsWithinTheTypesTolerance(GgmlType type)
    {
        const int rows = 16, cols = 1024;
        var values = TensorTestData.Gaussian(rows * cols, seed: (int)type + 100);
        var bytes = Quantizer.Quantize(type, values);
        var back = TensorTestData.Dequantize(type, bytes, rows, cols);
        double error = 0, norm = 0;
        for (var i = 0; i < values.Length; i++)
        {
            error += Math.Pow(back[i] - values[i], 2);
            norm += Math.Pow(values[i], 2);
        }
        var relativeRms = Math.Sqrt(error / norm);
        Assert.True(relativeRms <= RoundTripTolerance[type], $"{type}: relative RMS error {relativeRms:G4} > {RoundTripTolerance[type]}");
        Assert.Equal(rows * cols / WeightMatrix.BlockSize(type) * BytesPerBlock(type), bytes.Length);
    }

    private static int BytesPerBlock(GgmlType type) => type switch
    {
        GgmlType.F32 => 4,
        GgmlType.F16 or GgmlType.BF16 => 2,
        GgmlType.Q8_0 => 34,
        GgmlType.Q4_0 => 18,
        GgmlType.Q4_K => 144,
        GgmlType.Q4_1 => 20,
        GgmlType.Q5_0 => 22,
        GgmlType.Q5_1 => 24,
        GgmlType.IQ4_NL => 18,
        GgmlType.Q2_K => 84,
        GgmlType.Q3_K => 110,
        GgmlType.Q5_K => 176,
        GgmlType.IQ4_XS => 136,
        _ => 210,
    };

    [Theory]
    [MemberData(nameof(Types))]
    public void RoundTrip_KeepsZeroBlocksZero(GgmlType type)
    {
        var values = new float[512];
        values[300] = 1.5f; // one non-zero block among zeros
        var back = TensorTestData.Dequantize(type, Quantizer.Quantize(type, values), 1, 512);
        Assert.All(back.Take(256), v => Assert.Equal(0f, v));
        Assert.InRange(back[300], 1.4f, 1.6f);
    }

    [Fact]
    public void Q8_0_RepresentableValues_ComeBackExactly()
    {
        var values = Enumerable.Range(0, 64).Select(i => (i % 2 == 0 ? 1 : -1) * (i * 2 % 128) * 0.25f).ToArray();
        values[0] = 127 * 0.25f; // the block maximum fixes d = 0.25
        values[32] = -127 * 0.25f;
        Assert.Equal(values, TensorTestData.Dequantize(GgmlType.Q8_0, Quantizer.Quantize(GgmlType.Q8_0, values), 1, 64));
    }

    [Fact]
    public void Q4_0_RepresentableValues_ComeBackExactly()
    {
        // d = −8 / −8 = 1 when the value of largest magnitude is −8: every integer in −8..7 is exact.
        var values = Enumerable.Range(0, 32).Select(i => (float)(i % 16 - 8)).ToArray();
        Assert.Equal(values, TensorTestData.Dequantize(GgmlType.Q4_0, Quantizer.Quantize(GgmlType.Q4_0, values), 1, 32));
    }

    [Fact]
    public void Quantize_RejectsPartialBlocks()
    {
        var error = Assert.Throws<ArgumentException>(() => Quantizer.Quantize(GgmlType.Q4_K, new float[300]));
        Assert.Contains("256", error.Message);
    }
}
