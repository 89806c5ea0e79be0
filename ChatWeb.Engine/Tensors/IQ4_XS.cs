using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>GGUF type IQ4_XS: super-blocks of 256 weights in 8 sub-blocks of 32; weight =
/// d·(scale_j − 32)·Levels[q] with <see cref="IQ4_NL"/>'s non-linear table, 4-bit q and 6-bit scale_j
/// (136 bytes per 256 weights, 4.25 bits per weight).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct IQ4_XS : IByteBlock256<IQ4_XS>
{
    public const int Weights = 256;

    /// <summary>Half-precision bits of d, the scale of the sub-block scales.</summary>
    public ushort D;

    /// <summary>The top 2 bits of each scale_j: bits 2j, 2j+1.</summary>
    public ushort ScalesH;

    /// <summary>The low 4 bits of each scale_j: the low (j even) or high (j odd) nibble of byte j / 2.</summary>
    public fixed byte ScalesL[Weights / 64];

    /// <summary>The 4-bit q: sub-block j's 32 in bytes 16j..16j+15, laid out as an IQ4_NL block's.</summary>
    public fixed byte Qs[Weights / 2];

    public static int BlockSize => Weights;
    public static float Scale(IQ4_XS* block) => F16.ToSingle(block->D);
    public static float MinScale(IQ4_XS* block) => 0;

    /// <summary>scale_j − 32 (−32..31).</summary>
    public static int SubScale(IQ4_XS* block, int j) =>
        (((block->ScalesL[j / 2] >> (4 * (j % 2))) & 0xF) | (((block->ScalesH >> (2 * j)) & 3) << 4)) - 32;

    public static int WeightInteger(IQ4_XS* block, int n) => SubScale(block, n / 32) * IQ4_NL.Level(block->Qs + 16 * (n / 32), n % 32);

    public static bool SignedBytes => true;
    public static int MinInteger(IQ4_XS* block, int n) => 0;

    public static bool HasMins => false;

    // q = the table level itself (signed bytes, vpshufb of the nibbles); chunk c is sub-block c, its
    // 16 bytes loaded into both halves, the high half shifted to its high nibbles.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Chunk(IQ4_XS* block, int c)
    {
        var both = Avx2.BroadcastVector128ToVector256(block->Qs + 16 * c);
        var nibbles = Avx2.Blend(both.AsInt32(), Vector256.ShiftRightLogical(both.AsUInt16(), 4).AsInt32(), 0b1111_0000).AsByte() & Vector256.Create((byte)0xF);
        return IQ4_NL.LevelsOf(nibbles);
    }

    // SubScale for all eight at once, lane j of eight 16-bit lanes: ScalesL[j / 2] shifted right by
    // 4·(j mod 2) (a multiply by 16 or 1, then >> 4) and ScalesH's bits 2j, 2j+1 (a multiply by
    // 2^(14 − 2j) puts them at bits 14–15; >> 10 brings them to bits 4–5).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> SubScales(IQ4_XS* block, out Vector256<short> mins)
    {
        mins = Vector256<short>.Zero;
        const byte zero = 0x80; // vpshufb: a zero byte
        var v = Vector128.Load((byte*)block); // D, ScalesH, ScalesL[4], then the first 8 bytes of Qs (unused)
        var l = Ssse3.Shuffle(v, Vector128.Create((byte)4, zero, 4, zero, 5, zero, 5, zero, 6, zero, 6, zero, 7, zero, 7, zero)).AsUInt16();
        var h = Ssse3.Shuffle(v, Vector128.Create((byte)2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3)).AsUInt16();
        var low = Vector128.ShiftRightLogical(l * Vector128.Create((ushort)16, 1, 16, 1, 16, 1, 16, 1), 4) & Vector128.Create((ushort)0xF);
        var high = Vector128.ShiftRightLogical(h * Vector128.Create((ushort)(1 << 14), 1 << 12, 1 << 10, 1 << 8, 1 << 6, 1 << 4, 1 << 2, 1), 10) & Vector128.Create((ushort)0x30);
        var scales = (low | high).AsInt16() - Vector128.Create((short)32);
        return Vector256.Create(scales, scales);
    }

    public static float KernelMinScale(IQ4_XS* block) => 0;

    public static void Dequantize(IQ4_XS* blocks, int count, float* destination) => ByteBlock256Kernels.Dequantize(blocks, count, destination);
}
