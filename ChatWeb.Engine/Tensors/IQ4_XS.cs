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

    // q = the table level itself (signed bytes, vpshufb of the nibbles); chunk c is sub-block c.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Chunk(IQ4_XS* block, int c)
    {
        var table = Vector128.Create(IQ4_NL.Levels).AsByte();
        return Avx2.Shuffle(Vector256.Create(table, table), ByteBlock32Kernels.Nibbles(block->Qs + 16 * c));
    }

    // SubScale for all eight at once: the nibbles of ScalesL and the bit pairs of ScalesH spread
    // to one byte each (halves, then quarters, then eighths moved apart with shifts and masks).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> SubScales(IQ4_XS* block)
    {
        ulong low = *(uint*)block->ScalesL;
        low = (low & 0xFFFF) | ((low & 0xFFFF0000) << 16);
        low = (low | (low << 8)) & 0x00FF00FF00FF00FFUL;
        low = (low | (low << 4)) & 0x0F0F0F0F0F0F0F0FUL;
        ulong high = block->ScalesH;
        high = (high & 0xFF) | ((high & 0xFF00) << 24);
        high = (high | (high << 12)) & 0x000F000F000F000FUL;
        high = (high | (high << 6)) & 0x0303030303030303UL;
        return Q4_K.BothHalves(low | (high << 4)) - Vector256.Create((short)32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> SubMins(IQ4_XS* block) => Vector256<short>.Zero;

    public static float KernelMinScale(IQ4_XS* block) => 0;

    public static void Dequantize(IQ4_XS* blocks, int count, float* destination) => ByteBlock256Kernels.Dequantize(blocks, count, destination);
}
