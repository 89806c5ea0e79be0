using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>GGUF type Q5_K: super-blocks of 256 weights in 8 sub-blocks of 32; weight =
/// d·scale_j·q − dmin·min_j with 5-bit q and 6-bit scale_j, min_j packed as in <see cref="Q4_K"/>
/// (176 bytes per 256 weights, 5.5 bits per weight).</summary>
/// <remarks>Weight n in sub-block j = n / 32 (r = n mod 32): its low 4 bits are the low (j even) or
/// high (j odd) nibble of Qs[32⌊j/2⌋ + r], its fifth bit is bit j of Qh[r].</remarks>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct Q5_K : IByteBlock256<Q5_K>
{
    public const int Weights = 256;

    /// <summary>Half-precision bits of d, the scale of the sub-block scales.</summary>
    public ushort D;

    /// <summary>Half-precision bits of dmin, the scale of the sub-block minimums.</summary>
    public ushort DMin;

    /// <summary>The 8 scales and 8 minimums, 6 bits each, packed as Q4_K's (<see cref="Q4_K.ScaleMin"/>).</summary>
    public fixed byte Scales[12];

    /// <summary>The fifth bit of each q: bit j of byte r belongs to weight 32j + r.</summary>
    public fixed byte Qh[Weights / 8];

    /// <summary>The low 4 bits of each q, two per byte (see the remarks).</summary>
    public fixed byte Qs[Weights / 2];

    public static int BlockSize => Weights;
    public static float Scale(Q5_K* block) => F16.ToSingle(block->D);
    public static float MinScale(Q5_K* block) => F16.ToSingle(block->DMin);
    public static int Min(Q5_K* block, int g) => Q4_K.ScaleMin(block->Scales, g).Min;

    public static int WeightInteger(Q5_K* block, int n)
    {
        int j = n / 32, r = n % 32;
        var packed = block->Qs[32 * (j / 2) + r];
        var low = j % 2 == 0 ? packed & 0xF : packed >> 4;
        var high = (block->Qh[r] >> j) & 1;
        return Q4_K.ScaleMin(block->Scales, j).Scale * (low | high << 4);
    }

    public static bool SignedBytes => false;
    public static int MinInteger(Q5_K* block, int n) => Min(block, n / 32);

    public static bool HasMins => true;

    // Q4_K's nibbles, plus bit c of each qh byte moved to bit 4.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Chunk(Q5_K* block, int c) =>
        Q4_K.Nibbles(block->Qs, c) | (ByteBlock256Kernels.ShiftBits(Vector256.Load(block->Qh), 4 - c) & Vector256.Create((byte)16));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> SubScales(Q5_K* block, out Vector256<short> mins) => Q4_K.SixBitScales(block->Scales, out mins);

    public static float KernelMinScale(Q5_K* block) => MinScale(block);

    public static void Dequantize(Q5_K* blocks, int count, float* destination) => ByteBlock256Kernels.Dequantize(blocks, count, destination);
}
