using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>GGUF type Q3_K: super-blocks of 256 weights in 16 sub-blocks of 16; weight =
/// d·(scale_s − 32)·q with 3-bit signed q (−4..3) and 6-bit scale_s (110 bytes per 256 weights,
/// 3.4375 bits per weight).</summary>
/// <remarks>Weight n = 128h + 32j + r (h &lt; 2, j &lt; 4, r &lt; 32): its low 2 bits are bits 2j, 2j+1
/// of Qs[32h + r]; q = low − 4 unless bit 4h + j of HMask[r] is set (then q = low); its sub-block is n / 16.</remarks>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct Q3_K : IByteBlock256<Q3_K>
{
    public const int Weights = 256;

    /// <summary>The high bit of each q (set: q = low bits; clear: q = low bits − 4).</summary>
    public fixed byte HMask[Weights / 8];

    /// <summary>The low 2 bits of each q, four per byte.</summary>
    public fixed byte Qs[Weights / 4];

    /// <summary>The 16 scales, 6 bits each in 12 bytes: the low 4 bits of scale_s are the low nibble
    /// of byte s (s &lt; 8) or the high nibble of byte s − 8; its top 2 bits are bits 2⌊s/4⌋, +1 of byte 8 + s mod 4.</summary>
    public fixed byte Scales[12];

    /// <summary>Half-precision bits of d, the scale of the sub-block scales.</summary>
    public ushort D;

    public static int BlockSize => Weights;
    public static float Scale(Q3_K* block) => F16.ToSingle(block->D);
    public static float MinScale(Q3_K* block) => 0;

    /// <summary>scale_s − 32 (−32..31).</summary>
    public static int SubScale(byte* scales, int s)
    {
        var low = s < 8 ? scales[s] & 0xF : scales[s - 8] >> 4;
        var high = (scales[8 + s % 4] >> (2 * (s / 4))) & 3;
        return (low | high << 4) - 32;
    }

    public static int WeightInteger(Q3_K* block, int n)
    {
        int h = n / 128, j = n % 128 / 32, r = n % 32;
        var low = (block->Qs[32 * h + r] >> (2 * j)) & 3;
        var high = (block->HMask[r] >> (4 * h + j)) & 1;
        return SubScale(block->Scales, n / 16) * (low - (high == 0 ? 4 : 0));
    }

    public static bool SignedBytes => false;
    public static int MinInteger(Q3_K* block, int n) => 0;

    public static bool HasMins => true;

    // q stored as low + 4·high (0..7); the −4 becomes minimums 4·scale_s with dmin = d. Chunk c is
    // h = c / 4, j = c mod 4, so its high bit is bit c of HMask.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Chunk(Q3_K* block, int c)
    {
        var low = ByteBlock256Kernels.ShiftBits(Vector256.Load(block->Qs + 32 * (c >> 2)), -2 * (c & 3)) & Vector256.Create((byte)3);
        return low | (ByteBlock256Kernels.ShiftBits(Vector256.Load(block->HMask), 2 - c) & Vector256.Create((byte)4));
    }

    // SubScale on four bytes at a time (a, b, c: bytes 0–3, 4–7, 8–11): scales 0–3 take the low
    // nibbles of a and bits 0–1 of c's bytes, 4–7 b's low nibbles and bits 2–3, 8–11 a's high
    // nibbles and bits 4–5, 12–15 b's high nibbles and bits 6–7.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> SubScales(Q3_K* block, out Vector256<short> mins)
    {
        var scales = Scales16(block);
        mins = scales << 2;
        return ByteBlock256Kernels.EvensThenOdds(scales);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Scales16(Q3_K* block)
    {
        uint a = *(uint*)block->Scales, b = *(uint*)(block->Scales + 4), c = *(uint*)(block->Scales + 8);
        const uint low = 0x0F0F0F0Fu, high = 0x30303030u;
        ulong first = (a & low) | ((c << 4) & high) | (ulong)((b & low) | ((c << 2) & high)) << 32;
        ulong second = ((a >> 4) & low) | (c & high) | (ulong)(((b >> 4) & low) | ((c >> 2) & high)) << 32;
        var unsigned = Avx2.ConvertToVector256Int16(Vector128.Create(first, second).AsByte());
        return unsigned - Vector256.Create((short)32);
    }

    public static float KernelMinScale(Q3_K* block) => Scale(block);

    public static void Dequantize(Q3_K* blocks, int count, float* destination) => ByteBlock256Kernels.Dequantize(blocks, count, destination);
}
