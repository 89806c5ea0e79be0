using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>GGUF type Q5_0: blocks of 32 weights, each d·(q − 16) with a 5-bit q and a half-precision
/// d (22 bytes per 32 weights, 5.5 bits per weight).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct Q5_0 : IUnpackedBlock<Q5_0>, IByteBlock32<Q5_0>
{
    public const int Weights = 32;

    /// <summary>The scale d as half-precision bits: weight i = d·(q_i − 16).</summary>
    public ushort D;

    /// <summary>The high (fifth) bit of each q: bit i of this little-endian 32-bit word is q_i's.</summary>
    public fixed byte Qh[4];

    /// <summary>The low 4 bits of q: byte j holds q_j's in its low nibble and q_{j+16}'s in its high nibble.</summary>
    public fixed byte Qs[Weights / 2];

    public static int BlockSize => Weights;
    public static bool NeedsGroupSums => false;
    public static float Scale(Q5_0* block) => F16.ToSingle(block->D);
    public static float MinScale(Q5_0* block) => 0;
    public static int MinGroupSize => 0;
    public static int Min(Q5_0* block, int g) => 0;
    public static int U(Q5_0* block, int n) => Q5(block->Qs, block->Qh, n) - 16;

    /// <summary>The 5-bit q_n of a Q5_0 or Q5_1 block.</summary>
    public static int Q5(byte* qs, byte* qh, int n)
    {
        var low = n < 16 ? qs[n] & 0xF : qs[n - 16] >> 4;
        var high = (int)(Unsafe.ReadUnaligned<uint>(qh) >> n) & 1;
        return low | high << 4;
    }

    public static bool SignedBytes => false;
    public static int Offset => 16;
    public static bool HasMin => false;
    public static int ByteWeight(Q5_0* block, int n) => Q5(block->Qs, block->Qh, n);
    public static float AddedMin(Q5_0* block) => 0;
    public static Vector256<byte> Bytes256(Q5_0* block) => Bytes256(block->Qs, block->Qh);

    /// <summary>The 32 5-bit q of a Q5_0 or Q5_1 block as bytes in weight order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Bytes256(byte* qs, byte* qh) =>
        ByteBlock32Kernels.Nibbles(qs) | (ByteBlock32Kernels.BitsToBytes(Unsafe.ReadUnaligned<uint>(qh)) & Vector256.Create((byte)0x10));

    public static void Unpack256(Q5_0* block, short* weights) => Unpack256(block->Qs, block->Qh, 16, weights);

    /// <summary>q − <paramref name="offset"/> for the 32 weights of a Q5_0 or Q5_1 block.</summary>
    public static void Unpack256(byte* qs, byte* qh, short offset, short* weights)
    {
        var q = Avx2.ConvertToVector256Int16(Vector128.Load(qs));
        var high = Unsafe.ReadUnaligned<uint>(qh);
        var o = Vector256.Create(offset);
        ((q & Vector256.Create((short)0xF) | UnpackedBlockKernels.BitsToLanes((ushort)high, 16)) - o).Store(weights);
        ((Vector256.ShiftRightLogical(q, 4) | UnpackedBlockKernels.BitsToLanes((ushort)(high >> 16), 16)) - o).Store(weights + 16);
    }

    public static void Dequantize(Q5_0* blocks, int count, float* destination) => UnpackedBlockKernels.Dequantize(blocks, count, destination);
    public static float DotScalar(Q5_0* w, QuantizedActivations x, int b, int count) => UnpackedBlockKernels.DotScalar(w, x, b, count);
    public static void DotRow(Q5_0* w, int count, QuantizedActivations x, int bStart, int bEnd, float* y, int yStride, SimdLevel level) =>
        UnpackedBlockKernels.DotRow(w, count, x, bStart, bEnd, y, yStride, level);
}
