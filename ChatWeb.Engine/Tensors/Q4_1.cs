using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>GGUF type Q4_1: blocks of 32 weights, each d·q + m with a 4-bit q and half-precision d
/// and m (20 bytes per 32 weights, 5 bits per weight).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct Q4_1 : IUnpackedBlock<Q4_1>, IByteBlock32<Q4_1>
{
    public const int Weights = 32;

    /// <summary>The scale d as half-precision bits: weight i = d·q_i + m.</summary>
    public ushort D;

    /// <summary>The offset m (the block's minimum) as half-precision bits.</summary>
    public ushort M;

    /// <summary>The 4-bit q_i: byte j holds q_j in its low nibble and q_{j+16} in its high nibble.</summary>
    public fixed byte Qs[Weights / 2];

    public static int BlockSize => Weights;
    public static bool NeedsGroupSums => true;
    public static float Scale(Q4_1* block) => F16.ToSingle(block->D);

    /// <summary>−m: the kernels subtract dmin·min_g, and min_g is 1 for the one group.</summary>
    public static float MinScale(Q4_1* block) => -F16.ToSingle(block->M);
    public static int MinGroupSize => Weights;
    public static int Min(Q4_1* block, int g) => 1;
    public static int U(Q4_1* block, int n) => n < 16 ? block->Qs[n] & 0xF : block->Qs[n - 16] >> 4;

    public static bool SignedBytes => false;
    public static int Offset => 0;
    public static bool HasMin => true;
    public static int ByteWeight(Q4_1* block, int n) => U(block, n);
    public static float AddedMin(Q4_1* block) => F16.ToSingle(block->M);
    public static Vector256<byte> Bytes256(Q4_1* block) => ByteBlock32Kernels.Nibbles(block->Qs);

    public static void Unpack256(Q4_1* block, short* weights)
    {
        var q = Avx2.ConvertToVector256Int16(Vector128.Load(block->Qs));
        (q & Vector256.Create((short)0xF)).Store(weights);
        Vector256.ShiftRightLogical(q, 4).Store(weights + 16);
    }

    public static void Dequantize(Q4_1* blocks, int count, float* destination) => UnpackedBlockKernels.Dequantize(blocks, count, destination);
    public static float DotScalar(Q4_1* w, QuantizedActivations x, int b, int count) => UnpackedBlockKernels.DotScalar(w, x, b, count);
    public static void DotRow(Q4_1* w, int count, QuantizedActivations x, int bStart, int bEnd, float* y, int yStride, SimdLevel level) =>
        UnpackedBlockKernels.DotRow(w, count, x, bStart, bEnd, y, yStride, level);
}
