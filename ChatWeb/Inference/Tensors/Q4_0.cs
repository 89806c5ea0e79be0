using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Inference.Tensors;

/// <summary>GGUF type Q4_0: blocks of 32 weights, each a 4-bit integer minus 8 times one
/// half-precision scale (18 bytes per 32 weights, 4.5 bits per weight).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct Q4_0 : IBlock32<Q4_0>
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

    public static void DotRows(Q4_0* w, int count, int rows, QuantizedActivations x, float* y, SimdLevel level) =>
        Block32Kernels.DotRows(w, count, rows, x, y, level);

    public static bool DecodesWithBytes => true;

    public static void DotRowsBytes(Q4_0* w, int count, int rows, ByteActivations x, float* y, SimdLevel level) =>
        Q4_0ByteKernels.DotRows(w, count, rows, x, y, level);

    /// <summary>Two blocks per 512-bit register: the 16 bytes of blocks 2p and 2p+1 side by side
    /// (vinserti128), zero-extended to 32 int16 (vpmovzxbw); the low nibbles are weights 0..15 of
    /// both blocks and the high nibbles weights 16..31, matching x laid out by
    /// <see cref="QuantizedActivations.PairedHalves"/>. Two vpmaddwd give 8 int32 sums per block
    /// (lanes 0..7 block 2p, 8..15 block 2p+1), scaled by [c_2p ×8, c_2p+1 ×8]. The stored nibbles
    /// q + 8 are dotted as they are and 8·Σ_i c_i·Σx_i is subtracted once per row.</summary>
    public static float DecodeDot512(Q4_0* w, QuantizedActivations x, float* c, int count)
    {
        var xp = x.PairedHalves();
        var mask = Vector512.Create((short)0xF);
        var spread = Vector512.Create(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        Q4_0* block = w, pairsEnd = w + (count & ~3);
        float* cb = c;
        for (; block < pairsEnd; block += 4, xp += 4 * Weights, cb += 4)
        {
            acc0 = Avx512F.FusedMultiplyAdd(PairDot(block, xp, mask), Scales(cb, spread), acc0);
            acc1 = Avx512F.FusedMultiplyAdd(PairDot(block + 2, xp + 2 * Weights, mask), Scales(cb + 2, spread), acc1);
        }
        if ((count & 2) != 0)
        {
            acc0 = Avx512F.FusedMultiplyAdd(PairDot(block, xp, mask), Scales(cb, spread), acc0);
            block += 2;
            cb += 2;
        }
        var sum = Block32Kernels.Sum(acc0 + acc1);
        if ((count & 1) != 0)
            sum += Vector256.Sum(StoredDot256(block, x.Values(0) + (count - 1) * Weights)) * cb[0];
        return sum - Offset * Block32Kernels.WeightedSum(c, x.GroupSums(0), count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> PairDot(Q4_0* block, short* xp, Vector512<short> mask)
    {
        var bytes = Vector256.Create(Vector128.Load(block->Qs), Vector128.Load(block[1].Qs));
        var q = Avx512BW.ConvertToVector512Int16(bytes);
        return Avx512F.ConvertToVector512Single(
            Avx512BW.MultiplyAddAdjacent(q & mask, Vector512.Load(xp)) + Avx512BW.MultiplyAddAdjacent(Avx512BW.ShiftRightLogical(q, 4), Vector512.Load(xp + Weights)));
    }

    // [c0 ×8, c1 ×8] from the two floats at c.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Scales(float* c, Vector512<int> spread) =>
        Avx512F.PermuteVar16x32(Vector128.CreateScalar(*(double*)c).AsSingle().ToVector256Unsafe().ToVector512Unsafe(), spread);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort ScaleBits(Q4_0* block) => block->D;

    public static int Offset => 8;

    // vpmovzxbw the 16 bytes; low nibbles (and) are weights 0..15, high nibbles (shift; a byte
    // shifted right by 4 needs no mask) weights 16..31; vpmaddwd with x, without subtracting 8.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> StoredDot256(Q4_0* block, short* x)
    {
        var q = Avx2.ConvertToVector256Int16(Vector128.Load(block->Qs));
        return Avx2.MultiplyAddAdjacent(q & Vector256.Create((short)0xF), Vector256.Load(x))
             + Avx2.MultiplyAddAdjacent(Vector256.ShiftRightLogical(q, 4), Vector256.Load(x + 16));
    }


    // vpmovzxbw the 16 bytes into both halves of a vector, shift the upper half right by 4
    // (vpsrlvw), keep the nibbles and subtract 8: weights 0..31 in order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<short> Weights512(Q4_0* block)
    {
        var q = Avx2.ConvertToVector256Int16(Vector128.Load(block->Qs)).ToVector512Unsafe();
        var both = Avx512F.InsertVector256(q, q.GetLower(), 1);
        // Shift counts 0 for lanes 0..15 (low nibbles), 4 for lanes 16..31 (high nibbles); a
        // constant the JIT folds (a static readonly field would not be folded without tiering).
        var nibbleShifts = Vector512.Create(
            (ushort)0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4);
        var shifted = Avx512BW.ShiftRightLogicalVariable(both.AsUInt16(), nibbleShifts).AsInt16();
        return (shifted & Vector512.Create((short)0xF)) - Vector512.Create((short)8);
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
