using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Tensors;

/// <summary>F16 and BF16 conversions: exact for every one of the 65,536 bit patterns, on every vector path.</summary>
public sealed class HalfConversionTests
{
    private static ushort[] AllPatterns() => Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();

    private static void AssertSameFloat(float expected, float actual, ushort bits)
    {
        if (float.IsNaN(expected))
            Assert.True(float.IsNaN(actual), $"0x{bits:X4} should be NaN, got {actual}");
        else
            Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(actual),
                $"0x{bits:X4}: expected {expected}, got {actual}");
    }

    [Fact]
    public void F16_ScalarConversion_MatchesSystemHalf_ForEveryPattern()
    {
        foreach (var bits in AllPatterns())
        {
            AssertSameFloat((float)BitConverter.UInt16BitsToHalf(bits), F16.Convert(bits), bits);
            AssertSameFloat((float)BitConverter.UInt16BitsToHalf(bits), F16.ToSingle(bits), bits);
        }
    }

    public static IEnumerable<object[]> Levels() => Simd.Supported.Select(l => new object[] { l });

    [Theory]
    [MemberData(nameof(Levels))]
    public void F16_VectorConversion_MatchesScalar_ForEveryPatternAndOddLengths(SimdLevel level)
    {
        var patterns = AllPatterns();
        var result = new float[patterns.Length];
        F16.ToSingle(patterns, result, level);
        for (var i = 0; i < patterns.Length; i++)
            AssertSameFloat(F16.ToSingle(patterns[i]), result[i], patterns[i]);
        foreach (var length in new[] { 0, 1, 7, 9, 17, 33, 63 })
        {
            var part = new float[length];
            F16.ToSingle(patterns.AsSpan(15360, length), part, level);
            for (var i = 0; i < length; i++)
                AssertSameFloat(F16.ToSingle(patterns[15360 + i]), part[i], patterns[15360 + i]);
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void BF16_VectorConversion_MatchesScalar_ForEveryPattern(SimdLevel level)
    {
        var patterns = AllPatterns();
        var result = new float[patterns.Length - 5]; // an odd length exercises the scalar tail
        BF16.ToSingle(patterns.AsSpan(5), result, level);
        for (var i = 0; i < result.Length; i++)
            AssertSameFloat(BitConverter.UInt32BitsToSingle((uint)patterns[i + 5] << 16), result[i], patterns[i + 5]);
    }

    [Theory]
    [InlineData(1.0f, 0x3F80)]
    [InlineData(-2.5f, 0xC020)]
    [InlineData(1.00390625f, 0x3F80)] // exactly halfway between 0x3F80 and 0x3F81: rounds to even
    [InlineData(1.01171875f, 0x3F82)] // halfway between 0x3F81 and 0x3F82: rounds to even
    public void BF16_FromSingle_RoundsToNearestEven(float value, int expected) =>
        Assert.Equal((ushort)expected, BF16.FromSingle(value));

    [Fact]
    public void BF16_FromSingle_KeepsNaN() => Assert.True(float.IsNaN(BF16.ToSingle(BF16.FromSingle(float.NaN))));
}
