using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ChatWeb.Engine.Tensors;

/// <summary>GGUF type F16: IEEE half-precision weights, 2 bytes each. Also the conversion every
/// quantized block uses for its half-precision scales.</summary>
internal static unsafe class F16
{
    private const uint SignBit = 0x8000;
    private const uint MagnitudeBits = 0x7FFF;
    private const uint ExponentBits = 0x7C00;
    private const uint FloatExponentBits = 0x7F80_0000;
    /// <summary>2^112 = 2^(127 − 15): moves a half exponent placed in a float to the float bias.
    /// Multiplying (rather than adding to the exponent) also handles zero and subnormals exactly.</summary>
    private const float ExponentRebias = 5.192297e33f;

    /// <summary>Converts the bits of a half to a float, exactly (NaN payloads kept, infinities kept).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits)
    {
        uint h = bits;
        var f = BitConverter.UInt32BitsToSingle((h & MagnitudeBits) << 13) * ExponentRebias;
        var result = BitConverter.SingleToUInt32Bits(f) | ((h & SignBit) << 16);
        if ((h & ExponentBits) == ExponentBits)
            result |= FloatExponentBits;
        return BitConverter.UInt32BitsToSingle(result);
    }

    /// <summary>Converts a float to half bits, rounding to nearest even.</summary>
    public static ushort FromSingle(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    /// <summary>Converts a run of halves to floats with the given vector width.</summary>
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
                    ToSingle(lo).Store(d + i);
                    ToSingle(hi).Store(d + i + 16);
                }
            if (level >= SimdLevel.Vector256)
                for (; i + 16 <= n; i += 16)
                {
                    var (lo, hi) = Vector256.Widen(Vector256.Load(s + i));
                    ToSingle(lo).Store(d + i);
                    ToSingle(hi).Store(d + i + 8);
                }
            if (level >= SimdLevel.Vector128)
                for (; i + 8 <= n; i += 8)
                {
                    var (lo, hi) = Vector128.Widen(Vector128.Load(s + i));
                    ToSingle(lo).Store(d + i);
                    ToSingle(hi).Store(d + i + 4);
                }
            for (; i < n; i++)
                d[i] = ToSingle(s[i]);
        }
    }

    // The same bit steps as the scalar ToSingle, on 16, 8 or 4 lanes.
    private static Vector512<float> ToSingle(Vector512<uint> h)
    {
        var f = ((h & Vector512.Create(MagnitudeBits)) << 13).AsSingle() * Vector512.Create(ExponentRebias);
        var special = Vector512.Equals(h & Vector512.Create(ExponentBits), Vector512.Create(ExponentBits));
        return (f.AsUInt32() | ((h & Vector512.Create(SignBit)) << 16) | (special & Vector512.Create(FloatExponentBits))).AsSingle();
    }

    private static Vector256<float> ToSingle(Vector256<uint> h)
    {
        var f = ((h & Vector256.Create(MagnitudeBits)) << 13).AsSingle() * Vector256.Create(ExponentRebias);
        var special = Vector256.Equals(h & Vector256.Create(ExponentBits), Vector256.Create(ExponentBits));
        return (f.AsUInt32() | ((h & Vector256.Create(SignBit)) << 16) | (special & Vector256.Create(FloatExponentBits))).AsSingle();
    }

    private static Vector128<float> ToSingle(Vector128<uint> h)
    {
        var f = ((h & Vector128.Create(MagnitudeBits)) << 13).AsSingle() * Vector128.Create(ExponentRebias);
        var special = Vector128.Equals(h & Vector128.Create(ExponentBits), Vector128.Create(ExponentBits));
        return (f.AsUInt32() | ((h & Vector128.Create(SignBit)) << 16) | (special & Vector128.Create(FloatExponentBits))).AsSingle();
    }

    /// <summary>Four halves (one in the low 16 bits of each lane) as floats times 2^−112: the half's
    /// exponent and mantissa moved into a float's and its sign into the float's, for kernels that
    /// fold <see cref="Rebias"/> into another factor. Finite halves only (quantized block scales).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ToUnbiasedSingle(Vector128<uint> h) =>
        ((h << 13 & Vector128.Create(MagnitudeBits << 13)) | (h << 16 & Vector128.Create(SignBit << 16))).AsSingle();

    /// <summary>What <see cref="ToUnbiasedSingle"/>'s results are to be multiplied by: 2^112.</summary>
    public const float Rebias = ExponentRebias;

    /// <summary>Writes row <paramref name="row"/> of an F16 matrix as floats.</summary>
    public static void DequantizeRow(byte* data, int cols, int row, Span<float> destination, SimdLevel level) =>
        ToSingle(new ReadOnlySpan<ushort>((ushort*)data + (long)row * cols, cols), destination, level);

    /// <summary>y[b, r] = W[r]·x[b]: see <see cref="WidenedRowMatMul"/>.</summary>
    public static void MatMul(byte* data, int rows, int cols, ReadOnlySpan<float> x, int batch, Span<float> y,
        int rowStart, int rowEnd, SimdLevel level) =>
        WidenedRowMatMul.Run(&DequantizeRow, data, rows, cols, x, batch, y, rowStart, rowEnd, level);
}
