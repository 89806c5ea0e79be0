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

    // q stored as low + 4·high (0..7); the −4 becomes minimums 4·scale_s with dmin = d.
    public static void UnpackBytes(Q3_K* block, UnpackedBytes* u)
    {
        var three = Vector256.Create((byte)3);
        var four = Vector256.Create((byte)4);
        var hm = Vector256.Load(block->HMask);
        for (var h = 0; h < 2; h++)
        {
            var qs = Vector256.Load(block->Qs + 32 * h).AsUInt16();
            for (var j = 0; j < 4; j++)
            {
                var bit = Vector256.Create((byte)(1 << (4 * h + j)));
                var high = Vector256.Equals(hm & bit, bit) & four;
                ((Vector256.ShiftRightLogical(qs, 2 * j).AsByte() & three) | high).Store(u->Q + 128 * h + 32 * j);
            }
        }
        for (var s = 0; s < 16; s++)
        {
            var scale = SubScale(block->Scales, s);
            u->Scales[s] = (short)scale;
            u->Mins[s] = (short)(4 * scale);
        }
        u->D = u->DMin = F16.ToSingle(block->D);
    }

    public static void Dequantize(Q3_K* blocks, int count, float* destination) => ByteBlock256Kernels.Dequantize(blocks, count, destination);
}
