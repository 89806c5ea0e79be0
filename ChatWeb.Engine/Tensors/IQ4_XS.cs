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

    // q = the table level itself (signed bytes, vpshufb of the nibbles).
    public static void UnpackBytes(IQ4_XS* block, UnpackedBytes* u)
    {
        var table = Vector128.Create(IQ4_NL.Levels).AsByte();
        var mask = Vector128.Create((byte)0xF);
        for (var j = 0; j < 8; j++)
        {
            var q = Vector128.Load(block->Qs + 16 * j);
            Ssse3.Shuffle(table, q & mask).Store(u->Q + 32 * j);
            Ssse3.Shuffle(table, Vector128.ShiftRightLogical(q.AsUInt16(), 4).AsByte() & mask).Store(u->Q + 32 * j + 16);
            u->Scales[2 * j] = u->Scales[2 * j + 1] = (short)SubScale(block, j);
            u->Mins[2 * j] = u->Mins[2 * j + 1] = 0;
        }
        u->D = F16.ToSingle(block->D);
        u->DMin = 0;
    }

    public static void Dequantize(IQ4_XS* blocks, int count, float* destination) => ByteBlock256Kernels.Dequantize(blocks, count, destination);
}
