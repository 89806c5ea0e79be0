using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>GGUF type Q4_0: blocks of 32 weights, each a 4-bit integer minus 8 times one
/// half-precision scale (18 bytes per 32 weights, 4.5 bits per weight).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct Q4_0 : IBlock32<Q4_0>, IByteBlock32<Q4_0>
{
    public const int Weights = 32;

    /// <summary>The scale d as half-precision bits: weight i = d · (q_i − 8).</summary>
    public ushort D;

    /// <summary>The 4-bit q_i, two per byte: byte j holds q_j in its low nibble and q_{j+16} in
    /// its high nibble.</summary>
    public fixed byte Qs[Weights / 2];

    public static int BlockSize => Weights;
    public static bool NeedsGroupSums => true; // for the Offset correction

    public static void Dequantize(Q4_0* blocks, int count, float* destination)
    {
        for (var i = 0; i < count; i++)
        {
            var d = F16.ToSingle(blocks[i].D);
            for (var j = 0; j < Weights / 2; j++)
            {
                destination[i * Weights + j] = d * ((blocks[i].Qs[j] & 0xF) - 8);
                destination[i * Weights + j + 16] = d * ((blocks[i].Qs[j] >> 4) - 8);
            }
        }
    }

    public static float DotScalar(Q4_0* w, QuantizedActivations x, int b, int count)
    {
        var xq = x.Values(b);
        var xd = x.Scales(b);
        var sum = 0f;
        for (var i = 0; i < count; i++)
        {
            var xb = xq + i * Weights;
            var isum = 0;
            for (var j = 0; j < Weights / 2; j++)
                isum += ((w[i].Qs[j] & 0xF) - 8) * xb[j] + ((w[i].Qs[j] >> 4) - 8) * xb[j + 16];
            sum += isum * (F16.ToSingle(w[i].D) * xd[i]);
        }
        return sum;
    }

    public static void DotRow(Q4_0* w, int count, QuantizedActivations x, int bStart, int bEnd, float* y, int yStride, SimdLevel level) =>
        Block32Kernels.DotRow(w, count, x, bStart, bEnd, y, yStride, level);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort ScaleBits(Q4_0* block) => block->D;

    public static int Offset => 8;

    // Decoding (batch 1) goes through ByteBlock32Kernels with 8-bit activations, as Q4_1's does (see
    // QuantizedMatMul); what it reads of a block (the stored nibbles being q' = q + Offset):
    public static bool SignedBytes => false;
    public static bool HasMin => false;
    public static int ByteWeight(Q4_0* block, int n) => n < 16 ? block->Qs[n] & 0xF : block->Qs[n - 16] >> 4;
    public static uint ScaleAndMinBits(Q4_0* block) => block->D;
    public static float Scale(Q4_0* block) => F16.ToSingle(block->D);
    public static float AddedMin(Q4_0* block) => 0;
    public static Vector256<byte> Bytes256(Q4_0* block) => ByteBlock32Kernels.Nibbles(block->Qs);

    // vpmovzxbw the 16 bytes; low nibbles (and) are weights 0..15, high nibbles (shift; a byte
    // shifted right by 4 needs no mask) weights 16..31; vpmaddwd with x, without subtracting 8.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> StoredDot256(Q4_0* block, short* x)
    {
        var q = Avx2.ConvertToVector256Int16(Vector128.Load(block->Qs));
        return Avx2.MultiplyAddAdjacent(q & Vector256.Create((short)0xF), Vector256.Load(x))
             + Avx2.MultiplyAddAdjacent(Vector256.ShiftRightLogical(q, 4), Vector256.Load(x + 16));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<short> Lo, Vector256<short> Hi) Weights256(Q4_0* block)
    {
        var q = Avx2.ConvertToVector256Int16(Vector128.Load(block->Qs));
        var eight = Vector256.Create((short)8);
        return ((q & Vector256.Create((short)0xF)) - eight, Vector256.ShiftRightLogical(q, 4) - eight);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Dot128(Q4_0* block, short* x)
    {
        var mask = Vector128.Create((short)0xF);
        var eight = Vector128.Create((short)8);
        var (a, b) = Vector128.Widen(Vector128.Load(block->Qs));
        var qa = a.AsInt16();
        var qb = b.AsInt16();
        return QuantizedDot128.MultiplyAdd((qa & mask) - eight, Vector128.Load(x))
             + QuantizedDot128.MultiplyAdd((qb & mask) - eight, Vector128.Load(x + 8))
             + QuantizedDot128.MultiplyAdd(Vector128.ShiftRightLogical(qa, 4) - eight, Vector128.Load(x + 16))
             + QuantizedDot128.MultiplyAdd(Vector128.ShiftRightLogical(qb, 4) - eight, Vector128.Load(x + 24));
    }
}
