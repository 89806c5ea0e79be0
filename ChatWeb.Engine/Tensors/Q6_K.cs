using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>GGUF type Q6_K: super-blocks of 256 weights in 16 sub-blocks of 16; weight =
/// d·scale_s·(q − 32) with 6-bit q and signed 8-bit scale_s (210 bytes per 256 weights,
/// 6.5625 bits per weight).</summary>
/// <remarks>Weight n = 128h + 32k + l (half h, quarter k, l &lt; 32) has scale_{n/16}; its q has
/// low 4 bits from Ql[64h + l + 32·(k mod 2)] (low nibble for k &lt; 2, high for k ≥ 2) and high
/// 2 bits from bits 2k, 2k+1 of Qh[32h + l].</remarks>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct Q6_K : IByteBlock256<Q6_K>
{
    public const int Weights = 256;

    /// <summary>The low 4 bits of each q, two per byte (see the remarks for the order).</summary>
    public fixed byte Ql[Weights / 2];

    /// <summary>The high 2 bits of each q, four per byte.</summary>
    public fixed byte Qh[Weights / 4];

    /// <summary>The 16 sub-block scales, signed 8-bit.</summary>
    public fixed sbyte Scales[Weights / 16];

    /// <summary>Half-precision bits of d, the scale of the sub-block scales.</summary>
    public ushort D;

    public static int BlockSize => Weights;

    /// <summary>q − 32 of weight n (−32..31).</summary>
    public static int Q(Q6_K* block, int n)
    {
        int h = n / 128, k = n % 128 / 32, l = n % 32;
        var low = block->Ql[64 * h + l + 32 * (k % 2)];
        var lowBits = k < 2 ? low & 0xF : low >> 4;
        var highBits = (block->Qh[32 * h + l] >> (2 * k)) & 3;
        return (lowBits | (highBits << 4)) - 32;
    }

    public static void Dequantize(Q6_K* blocks, int count, float* destination)
    {
        for (var i = 0; i < count; i++)
        {
            var d = F16.ToSingle(blocks[i].D);
            for (var n = 0; n < Weights; n++)
                destination[i * Weights + n] = d * blocks[i].Scales[n / 16] * Q(blocks + i, n);
        }
    }

    public static bool SignedBytes => false;
    public static int WeightInteger(Q6_K* block, int n) => block->Scales[n / 16] * Q(block, n);
    public static int MinInteger(Q6_K* block, int n) => 0;

    public static bool HasMins => true;

    // q stored unsigned (0..63); the −32 becomes minimums 32·scale_s with dmin = d. Chunk c is
    // half h = c / 4, quarter k = c mod 4 (see the remarks).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Chunk(Q6_K* block, int c)
    {
        int h = c >> 2, k = c & 3;
        var low = ByteBlock256Kernels.ShiftBits(Vector256.Load(block->Ql + 64 * h + 32 * (k & 1)), -4 * (k >> 1));
        var high = ByteBlock256Kernels.ShiftBits(Vector256.Load(block->Qh + 32 * h), 4 - 2 * k);
        return (low & Vector256.Create((byte)0xF)) | (high & Vector256.Create((byte)0x30));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> SubScales(Q6_K* block, out Vector256<short> mins)
    {
        var scales = Avx2.ConvertToVector256Int16(Vector128.Load(block->Scales));
        mins = scales << 5;
        return ByteBlock256Kernels.EvensThenOdds(scales);
    }

    public static float KernelMinScale(Q6_K* block) => Scale(block);

    public static float Scale(Q6_K* block) => F16.ToSingle(block->D);
    public static float MinScale(Q6_K* block) => 0;
}
