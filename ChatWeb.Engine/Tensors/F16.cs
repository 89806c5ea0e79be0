using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ChatWeb.Engine.Tensors;

/// <summary>GGUF type F16: IEEE half-precision weights, 2 bytes each. Also the conversion every
/// quantized block uses for its half-precision scales.</summary>
internal static unsafe class F16
{
    private const uint SignBit = 0x8000;
    private const uint MagnitudeBits = 0x7FFF;
    private const uint SmallestNormal = 0x0400;
    private const uint Infinity = 0x7C00;
    /// <summary>127 − 15 in the float exponent field: moves a half exponent placed in a float to the float bias.</summary>
    private const uint RebiasBits = 112u << 23;
    private const uint ExponentOne = 1u << 23;
    /// <summary>2^-14, the smallest normal half.</summary>
    private const float SmallestNormalValue = 6.1035156e-05f;

    /// <summary>Every half as a float (256 KB): the blocks' scales are converted by one load, as
    /// .NET has no intrinsic for the CPU's half conversion (vcvtph2ps); the few entries a model's
    /// scales use stay in cache.</summary>
    private static readonly float* s_table = BuildTable();

    /// <summary>Converts the bits of a half to a float, exactly (NaN payloads kept, infinities kept).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits) => s_table[bits];

    /// <summary>The reference of <see cref="ToSingle(ushort)"/> (and of the vector paths).</summary>
    /// <remarks>Integer steps only, but for subnormal halves: those are 2^-14·(1 + m/1024) − 2^-14, a
    /// subtraction of normal floats. (Multiplying the bits by 2^112, the shorter way, hands the CPU
    /// a subnormal float for every subnormal half, and some CPUs take a slow assist for each one:
    /// blocks of small weights often have subnormal half scales.)</remarks>
    public static float Convert(ushort bits)
    {
        uint h = bits;
        var m = h & MagnitudeBits;
        var f = (m << 13) + RebiasBits;
        if (m >= Infinity)
            f += RebiasBits; // exponent 31 → 255
        else if (m < SmallestNormal)
            f = BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(f + ExponentOne) - SmallestNormalValue);
        return BitConverter.UInt32BitsToSingle(f | ((h & SignBit) << 16));
    }

    private static float* BuildTable()
    {
        var table = (float*)NativeMemory.AlignedAlloc(65536 * sizeof(float), 64);
        for (var i = 0; i < 65536; i++)
            table[i] = Convert((ushort)i);
        return table;
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
                d[i] = Convert(s[i]);
        }
    }

    // The same bit steps as Convert, on 16, 8 or 4 lanes. Inlined: as calls they took vectors in and out through
    // the stack (the 8-client serving profile spent ~2.5% in the 512-bit one alone).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ToSingle(Vector512<uint> h)
    {
        var m = h & Vector512.Create(MagnitudeBits);
        var f = (m << 13) + Vector512.Create(RebiasBits);
        f += Vector512.GreaterThanOrEqual(m, Vector512.Create(Infinity)) & Vector512.Create(RebiasBits);
        var subnormal = ((f + Vector512.Create(ExponentOne)).AsSingle() - Vector512.Create(SmallestNormalValue)).AsUInt32();
        f = Vector512.ConditionalSelect(Vector512.LessThan(m, Vector512.Create(SmallestNormal)), subnormal, f);
        return (f | ((h & Vector512.Create(SignBit)) << 16)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ToSingle(Vector256<uint> h)
    {
        var m = h & Vector256.Create(MagnitudeBits);
        var f = (m << 13) + Vector256.Create(RebiasBits);
        f += Vector256.GreaterThanOrEqual(m, Vector256.Create(Infinity)) & Vector256.Create(RebiasBits);
        var subnormal = ((f + Vector256.Create(ExponentOne)).AsSingle() - Vector256.Create(SmallestNormalValue)).AsUInt32();
        f = Vector256.ConditionalSelect(Vector256.LessThan(m, Vector256.Create(SmallestNormal)), subnormal, f);
        return (f | ((h & Vector256.Create(SignBit)) << 16)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ToSingle(Vector128<uint> h)
    {
        var m = h & Vector128.Create(MagnitudeBits);
        var f = (m << 13) + Vector128.Create(RebiasBits);
        f += Vector128.GreaterThanOrEqual(m, Vector128.Create(Infinity)) & Vector128.Create(RebiasBits);
        var subnormal = ((f + Vector128.Create(ExponentOne)).AsSingle() - Vector128.Create(SmallestNormalValue)).AsUInt32();
        f = Vector128.ConditionalSelect(Vector128.LessThan(m, Vector128.Create(SmallestNormal)), subnormal, f);
        return (f | ((h & Vector128.Create(SignBit)) << 16)).AsSingle();
    }

    /// <summary>Four halves (one in the low 16 bits of each lane) as floats times 2^−112: the half's
    /// exponent and mantissa moved into a float's and its sign into the float's, for kernels that
    /// fold <see cref="Rebias"/> into another factor. Finite halves only (quantized block scales).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ToUnbiasedSingle(Vector128<uint> h) =>
        ((h << 13 & Vector128.Create(MagnitudeBits << 13)) | (h << 16 & Vector128.Create(SignBit << 16))).AsSingle();

    /// <summary>What <see cref="ToUnbiasedSingle"/>'s results are to be multiplied by: 2^112. (A
    /// subnormal half gives a subnormal float here, slow on some CPUs; the 32-weight types' block
    /// scales are rarely that small, unlike the K-quants' scales of scales.)</summary>
    public const float Rebias = 5.192297e33f;

    /// <summary>Writes row <paramref name="row"/> of an F16 matrix as floats.</summary>
    public static void DequantizeRow(byte* data, int cols, int row, Span<float> destination, SimdLevel level) =>
        ToSingle(new ReadOnlySpan<ushort>((ushort*)data + (long)row * cols, cols), destination, level);

    /// <summary>y[b, r] = W[r]·x[b]: see <see cref="WidenedRowMatMul"/>.</summary>
    public static void MatMul(byte* data, int rows, int cols, ReadOnlySpan<float> x, int batch, Span<float> y,
        int rowStart, int rowEnd, SimdLevel level) =>
        WidenedRowMatMul.Run(&DequantizeRow, data, rows, cols, x, batch, y, rowStart, rowEnd, level);
}
