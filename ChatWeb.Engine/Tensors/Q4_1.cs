using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>GGUF type Q4_1: blocks of 32 weights, each d·q + m with a 4-bit q and half-precision d
/// and m (20 bytes per 32 weights, 5 bits per weight).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct Q4_1 : IByteBlock32<Q4_1>
{
    public const int Weights = 32;

    /// <summary>The scale d as half-precision bits: weight i = d·q_i + m.</summary>
    public ushort D;

    /// <summary>The offset m (the block's minimum) as half-precision bits.</summary>
    public ushort M;

    /// <summary>The 4-bit q_i: byte j holds q_j in its low nibble and q_{j+16} in its high nibble.</summary>
    public fixed byte Qs[Weights / 2];

    public static int BlockSize => Weights;
    public static uint ScaleAndMinBits(Q4_1* block) => *(uint*)block;
    public static float Scale(Q4_1* block) => F16.ToSingle(block->D);

    public static bool SignedBytes => false;
    public static int Offset => 0;
    public static bool HasMin => true;
    public static int ByteWeight(Q4_1* block, int n) => n < 16 ? block->Qs[n] & 0xF : block->Qs[n - 16] >> 4;
    public static float AddedMin(Q4_1* block) => F16.ToSingle(block->M);
    public static Vector256<byte> Bytes256(Q4_1* block) => ByteBlock32Kernels.Nibbles(block->Qs);

    public static void Dequantize(Q4_1* blocks, int count, float* destination) => ByteBlock32Kernels.Dequantize(blocks, count, destination);
}
