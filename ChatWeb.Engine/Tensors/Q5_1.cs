using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ChatWeb.Engine.Tensors;

/// <summary>GGUF type Q5_1: blocks of 32 weights, each d·q + m with a 5-bit q and half-precision d
/// and m (24 bytes per 32 weights, 6 bits per weight).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct Q5_1 : IByteBlock32<Q5_1>
{
    public const int Weights = 32;

    /// <summary>The scale d as half-precision bits: weight i = d·q_i + m.</summary>
    public ushort D;

    /// <summary>The offset m (the block's minimum) as half-precision bits.</summary>
    public ushort M;

    /// <summary>The high (fifth) bit of each q: bit i of this little-endian 32-bit word is q_i's.</summary>
    public fixed byte Qh[4];

    /// <summary>The low 4 bits of q: byte j holds q_j's in its low nibble and q_{j+16}'s in its high nibble.</summary>
    public fixed byte Qs[Weights / 2];

    public static int BlockSize => Weights;
    public static uint ScaleAndMinBits(Q5_1* block) => *(uint*)block;
    public static float Scale(Q5_1* block) => F16.ToSingle(block->D);

    public static bool SignedBytes => false;
    public static int Offset => 0;
    public static bool HasMin => true;
    public static int ByteWeight(Q5_1* block, int n) => Q5_0.Q5(block->Qs, block->Qh, n);
    public static float AddedMin(Q5_1* block) => F16.ToSingle(block->M);
    public static Vector256<byte> Bytes256(Q5_1* block) => Q5_0.Bytes256(block->Qs, block->Qh);

    public static void Dequantize(Q5_1* blocks, int count, float* destination) => ByteBlock32Kernels.Dequantize(blocks, count, destination);
}
