using System.Diagnostics;
using System.Runtime.Intrinsics;

namespace ChatWeb.Engine.Tensors;

/// <summary>GGUF type BF16: bfloat16 weights, 2 bytes each — the top 16 bits of a float.</summary>
internal static unsafe class BF16
{
    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>Converts a float to bfloat16 bits, rounding to nearest even (NaN stays NaN).</summary>
    public static ushort FromSingle(float value)
    {
        var u = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
            return (ushort)((u >> 16) | 0x40); // keep it a (quiet) NaN after truncation
        var roundingBias = 0x7FFFu + ((u >> 16) & 1);
        return (ushort)((u + roundingBias) >> 16);
    }

    /// <summary>Converts a run of bfloat16 values to floats with the given vector width.</summary>
    public static void ToSingle(ReadOnlySpan<ushort> source, Span<float> destination, SimdLevel level)
    {
        Debug.Assert(destination.Length >= source.Length);
        fixed (ushort* s = source)
        fixed (float* d = destination)
        {
            var n = source.Length;
            var i = 0;
            if (level >= SimdLevel.Vector512)
                for (; i + 32 <= n; i += 32)
                {
                    var (lo, hi) = Vector512.Widen(Vector512.Load(s + i));
                    (lo << 16).AsSingle().Store(d + i);
                    (hi << 16).AsSingle().Store(d + i + 16);
                }
            if (level >= SimdLevel.Vector256)
                for (; i + 16 <= n; i += 16)
                {
                    var (lo, hi) = Vector256.Widen(Vector256.Load(s + i));
                    (lo << 16).AsSingle().Store(d + i);
                    (hi << 16).AsSingle().Store(d + i + 8);
                }
            if (level >= SimdLevel.Vector128)
                for (; i + 8 <= n; i += 8)
                {
                    var (lo, hi) = Vector128.Widen(Vector128.Load(s + i));
                    (lo << 16).AsSingle().Store(d + i);
                    (hi << 16).AsSingle().Store(d + i + 4);
                }
            for (; i < n; i++)
                d[i] = ToSingle(s[i]);
        }
    }

    public static void DequantizeRow(byte* data, int cols, int row, Span<float> destination, SimdLevel level) =>
        ToSingle(new ReadOnlySpan<ushort>((ushort*)data + (long)row * cols, cols), destination, level);

    /// <summary>y[b, r] = W[r]·x[b]: see <see cref="WidenedRowMatMul"/>.</summary>
    public static void MatMul(byte* data, int rows, int cols, ReadOnlySpan<float> x, int batch, Span<float> y,
        int rowStart, int rowEnd, SimdLevel level) =>
        WidenedRowMatMul.Run(&DequantizeRow, data, rows, cols, x, batch, y, rowStart, rowEnd, level);
}
