using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>GGUF type Q2_K: super-blocks of 256 weights in 16 sub-blocks of 16; weight =
/// d·scale_s·q − dmin·min_s with 2-bit q and 4-bit scale_s, min_s (84 bytes per 256 weights,
/// 2.625 bits per weight).</summary>
/// <remarks>Weight n = 128h + 32j + r (h &lt; 2, j &lt; 4, r &lt; 32) is bits 2j, 2j+1 of
/// Qs[32h + r]; its sub-block is n / 16.</remarks>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct Q2_K : IByteBlock256<Q2_K>
{
    public const int Weights = 256;

    /// <summary>Per sub-block s: scale_s in the low nibble, min_s in the high nibble.</summary>
    public fixed byte Scales[Weights / 16];

    /// <summary>The 2-bit q, four per byte (see the remarks for the order).</summary>
    public fixed byte Qs[Weights / 4];

    /// <summary>Half-precision bits of d, the scale of the sub-block scales.</summary>
    public ushort D;

    /// <summary>Half-precision bits of dmin, the scale of the sub-block minimums.</summary>
    public ushort DMin;

    public static int BlockSize => Weights;
    public static float Scale(Q2_K* block) => F16.ToSingle(block->D);
    public static float MinScale(Q2_K* block) => F16.ToSingle(block->DMin);
    public static int Min(Q2_K* block, int g) => block->Scales[g] >> 4;

    public static int WeightInteger(Q2_K* block, int n)
    {
        int h = n / 128, j = n % 128 / 32, r = n % 32;
        return (block->Scales[n / 16] & 0xF) * ((block->Qs[32 * h + r] >> (2 * j)) & 3);
    }

    public static bool SignedBytes => false;
    public static int MinInteger(Q2_K* block, int n) => Min(block, n / 16);

    public static bool HasMins => true;

    // Chunk c is h = c / 4, j = c mod 4 (see the remarks).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Chunk(Q2_K* block, int c) =>
        ByteBlock256Kernels.ShiftBits(Vector256.Load(block->Qs + 32 * (c >> 2)), -2 * (c & 3)) & Vector256.Create((byte)3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> SubScales(Q2_K* block, out Vector256<short> mins)
    {
        var packed = Avx2.ConvertToVector256Int16(Vector128.Load(block->Scales));
        mins = Vector256.ShiftRightLogical(packed, 4);
        return ByteBlock256Kernels.EvensThenOdds(packed & Vector256.Create((short)0xF));
    }

    public static float KernelMinScale(Q2_K* block) => MinScale(block);

    public static void Dequantize(Q2_K* blocks, int count, float* destination) => ByteBlock256Kernels.Dequantize(blocks, count, destination);
}
