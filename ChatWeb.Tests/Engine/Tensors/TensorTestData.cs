using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Tensors;

/// <summary>Seeded random inputs and the plain double-precision references the kernel tests compare against.</summary>
internal static class TensorTestData
{
    public static readonly GgmlType[] AllTypes =
        [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K,
         GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q5_K, GgmlType.IQ4_XS];

    public static readonly GgmlType[] QuantizedTypes = [GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K,
         GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q5_K, GgmlType.IQ4_XS];

    /// <summary>Normally distributed values (mean 0, standard deviation <paramref name="sigma"/>).</summary>
    public static float[] Gaussian(int count, int seed, float sigma = 1f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            values[i] = (float)(sigma * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return values;
    }

    /// <summary>Every row of a quantized matrix as floats, through the scalar dequantizer.</summary>
    public static unsafe float[] Dequantize(GgmlType type, byte[] data, int rows, int cols)
    {
        var result = new float[rows * cols];
        fixed (byte* p = data)
        {
            var matrix = new WeightMatrix(type, rows, cols, p);
            for (var r = 0; r < rows; r++)
                matrix.DequantizeRow(r, result.AsSpan(r * cols, cols));
        }
        return result;
    }

    public static IEnumerable<object[]> TypesAndLevels() =>
        from type in AllTypes from level in Simd.Supported select new object[] { type, level };

    public static IEnumerable<object[]> QuantizedTypesAndLevels() =>
        from type in QuantizedTypes from level in Simd.Supported select new object[] { type, level };
}
