using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>GGUF type IQ4_NL: blocks of 32 weights, each d·table[q] with a 4-bit q indexing a fixed
/// non-linear table of 16 levels (18 bytes per 32 weights, 4.5 bits per weight).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct IQ4_NL : IByteBlock32<IQ4_NL>
{
    public const int Weights = 32;

    /// <summary>ggml's 16 levels (<c>kvalues_iq4nl</c>), denser near zero where most weights lie.</summary>
    public static ReadOnlySpan<sbyte> Levels => [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

    /// <summary>The scale d as half-precision bits: weight i = d·Levels[q_i].</summary>
    public ushort D;

    /// <summary>The 4-bit q_i: byte j holds q_j in its low nibble and q_{j+16} in its high nibble.</summary>
    public fixed byte Qs[Weights / 2];

    public static int BlockSize => Weights;
    public static uint ScaleAndMinBits(IQ4_NL* block) => block->D;
    public static float Scale(IQ4_NL* block) => F16.ToSingle(block->D);

    /// <summary>Levels[q_n] for 16 bytes of nibbles laid out as in IQ4_NL (and each 32 weights of IQ4_XS).</summary>
    public static int Level(byte* qs, int n) => Levels[n < 16 ? qs[n] & 0xF : qs[n - 16] >> 4];

    public static bool SignedBytes => true;
    public static int Offset => 0;
    public static bool HasMin => false;
    public static int ByteWeight(IQ4_NL* block, int n) => Level(block->Qs, n);
    public static float AddedMin(IQ4_NL* block) => 0;

    public static Vector256<byte> Bytes256(IQ4_NL* block) => LevelsOf(ByteBlock32Kernels.Nibbles(block->Qs));

    /// <summary>Levels[n] (as bytes) for each nibble value n (0..15) of 32 bytes: one vpshufb.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> LevelsOf(Vector256<byte> nibbles) =>
        Avx2.Shuffle(Vector256.Create(Vector128.Create(Levels).AsByte()), nibbles);

    public static void Dequantize(IQ4_NL* blocks, int count, float* destination) => ByteBlock32Kernels.Dequantize(blocks, count, destination);
}
