using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>GGUF type Q5_0: blocks of 32 weights, each d·(q − 16) with a 5-bit q and a half-precision
/// d (22 bytes per 32 weights, 5.5 bits per weight).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct Q5_0 : IByteBlock32<Q5_0>
{
    public const int Weights = 32;

    /// <summary>The scale d as half-precision bits: weight i = d·(q_i − 16).</summary>
    public ushort D;

    /// <summary>The high (fifth) bit of each q: bit i of this little-endian 32-bit word is q_i's.</summary>
    public fixed byte Qh[4];

    /// <summary>The low 4 bits of q: byte j holds q_j's in its low nibble and q_{j+16}'s in its high nibble.</summary>
    public fixed byte Qs[Weights / 2];

    public static int BlockSize => Weights;
    public static uint ScaleAndMinBits(Q5_0* block) => block->D;
    public static float Scale(Q5_0* block) => F16.ToSingle(block->D);

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
        ByteBlock32Kernels.Nibbles(qs) | ByteBlock32Kernels.FifthBits(Unsafe.ReadUnaligned<uint>(qh));

    public static void Dequantize(Q5_0* blocks, int count, float* destination) => ByteBlock32Kernels.Dequantize(blocks, count, destination);
}
