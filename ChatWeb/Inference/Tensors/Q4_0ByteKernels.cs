using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Inference.Tensors;

/// <summary>
/// Decoding (batch 1) for <see cref="Q4_0"/> weights with 8-bit activations
/// (<see cref="ByteActivations"/>), as llama.cpp's Q4_0 × Q8_0 dot: per block, the stored nibbles
/// q + 8 (0..15, unsigned) times the signed bytes of x with vpmaddubsw, minus 8·Σx, to int32 sums,
/// converted to float and accumulated times c_i = d_weight,i · d_x,i.
/// </summary>
/// <remarks>
/// The −8·Σx correction is exact integer arithmetic folded into the loop: a per-call table of
/// 8·(x_2k + x_2k+1) (int16, subtracted from vpmaddubsw's pair sums) or, for vpdpbusd,
/// −8·(x_4k + … + x_4k+3) (int32, the accumulator it starts from).
/// Levels: Vector512 takes two blocks per register (their 16 bytes side by side, the high nibbles
/// shifted down, the two halves interleaved per block with one vpermt2q so x stays in natural
/// order), vpmaddubsw and vpmaddwd with ones; Vector256 one block per register, with vpdpbusd
/// (AVX-VNNI) where the CPU has it, else vpmaddubsw + vpmaddwd; Vector128 widens to int16 with
/// portable operations; Scalar is the plain reference <see cref="DotScalar"/>.
/// </remarks>
internal static unsafe class Q4_0ByteKernels
{
    private const int Weights = Q4_0.Weights;

    [ThreadStatic] private static ushort[]? t_halves;
    [ThreadStatic] private static float[]? t_scales;
    [ThreadStatic] private static short[]? t_pairSums;
    [ThreadStatic] private static int[]? t_quadSums;

    /// <summary>Σ W·x for one row of <paramref name="count"/> blocks and row 0 of
    /// <paramref name="x"/>, with plain scalar loops: the reference for the vector paths.</summary>
    public static float DotScalar(Q4_0* w, ByteActivations x, int count)
    {
        var xq = x.Values(0);
        var xd = x.Scales(0);
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

    /// <summary>y[r] = W_r·x_0 for <paramref name="rows"/> consecutive rows of
    /// <paramref name="count"/> blocks (AVX-VNNI used where the CPU has it).</summary>
    public static void DotRows(Q4_0* w, int count, int rows, ByteActivations x, float* y, SimdLevel level) =>
        DotRows(w, count, rows, x, y, level, AvxVnni.IsSupported);

    /// <summary>As above, choosing whether the Vector256 level uses AVX-VNNI (tests run both).</summary>
    internal static void DotRows(Q4_0* w, int count, int rows, ByteActivations x, float* y, SimdLevel level, bool vnni)
    {
        Debug.Assert(x.Cols == count * Weights && (!vnni || AvxVnni.IsSupported));
        if (level == SimdLevel.Scalar)
        {
            for (var r = 0; r < rows; r++)
                y[r] = DotScalar(w + (long)r * count, x, count);
            return;
        }
        var c = CombinedScales(w, count, rows, x.Scales(0), level);
        var xq = x.Values(0);
        switch (level)
        {
            case SimdLevel.Vector512:
            {
                var p = PairSums(xq, x.Cols);
                for (var r = 0; r < rows; r++)
                    y[r] = Dot512(w + (long)r * count, xq, p, c + r * count, count);
                break;
            }
            case SimdLevel.Vector256 when vnni:
            {
                var s = QuadSums(xq, x.Cols);
                for (var r = 0; r < rows; r++)
                    y[r] = Dot256Vnni(w + (long)r * count, xq, s, c + r * count, count);
                break;
            }
            case SimdLevel.Vector256:
            {
                var p = PairSums(xq, x.Cols);
                for (var r = 0; r < rows; r++)
                    y[r] = Dot256(w + (long)r * count, xq, p, c + r * count, count);
                break;
            }
            default:
                for (var r = 0; r < rows; r++)
                    y[r] = Dot128(w + (long)r * count, xq, c + r * count, count);
                break;
        }
    }

    // c[r·count + i] = weight scale of block i of row r × x scale of block i, for all the rows at
    // once (one vectorised half → float conversion instead of one per row).
    private static float* CombinedScales(Q4_0* w, int count, int rows, float* xScales, SimdLevel level)
    {
        var n = rows * count;
        var padded = (n + 31) & ~31;
        var halves = Scratch(ref t_halves, padded);
        var c = Scratch(ref t_scales, padded);
        var h = halves;
        for (Q4_0* block = w, end = w + n; block < end; block++)
            *h++ = block->D;
        // (The conversion runs over whole vectors: the padding holds stale values nobody reads.)
        F16.ToSingle(new ReadOnlySpan<ushort>(halves, padded), new Span<float>(c, padded), level);
        var scales = new ReadOnlySpan<float>(xScales, count);
        for (var r = 0; r < rows; r++)
        {
            var row = new Span<float>(c + r * count, count);
            TensorPrimitives.Multiply(row, scales, row);
        }
        return c;
    }

    // p[k] = 8·(x[2k] + x[2k+1]): what vpmaddubsw's pair sums of the stored nibbles (q + 8) carry too much.
    private static short* PairSums(sbyte* x, int cols)
    {
        var p = Scratch(ref t_pairSums, cols / 2);
        var eight = Vector256.Create((byte)8);
        for (var i = 0; i < cols; i += 32)
            Avx2.MultiplyAddAdjacent(eight, Vector256.Load(x + i)).Store(p + i / 2);
        return p;
    }

    // s[k] = −8·(x[4k] + … + x[4k+3]): the accumulator vpdpbusd starts from.
    private static int* QuadSums(sbyte* x, int cols)
    {
        var s = Scratch(ref t_quadSums, cols / 4);
        var eight = Vector256.Create((byte)8);
        var minusOne = Vector256.Create((short)-1);
        for (var i = 0; i < cols; i += 32)
            Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(eight, Vector256.Load(x + i)), minusOne).Store(s + i / 4);
        return s;
    }

    private static T* Scratch<T>(ref T[]? array, int length) where T : unmanaged
    {
        if (array is null || array.Length < length)
            array = GC.AllocateUninitializedArray<T>(Math.Max(length, 64), pinned: true);
        return (T*)Unsafe.AsPointer(ref array[0]);
    }

    // Two blocks per register: bytes [B0, B1] (vinserti128), their high nibbles [B0>>4, B1>>4]
    // (vpsrlw), interleaved into [B0, B0>>4, B1, B1>>4] (vpermt2q) and masked to nibbles: weights
    // 0..31 of block 2p then of block 2p+1, in x's order. Lanes 0..7 of the int32 sums belong to
    // block 2p, 8..15 to block 2p+1, scaled by [c_2p ×8, c_2p+1 ×8].
    private static float Dot512(Q4_0* w, sbyte* x, short* p, float* c, int count)
    {
        var order = Vector512.Create(0UL, 1, 8, 9, 2, 3, 10, 11);
        var spread = Vector512.Create(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        Q4_0* block = w, quadsEnd = w + (count & ~3);
        for (; block < quadsEnd; block += 4, x += 4 * Weights, p += 2 * Weights, c += 4)
        {
            acc0 = Avx512F.FusedMultiplyAdd(PairDot(block, x, p, order), PairScales(c, spread), acc0);
            acc1 = Avx512F.FusedMultiplyAdd(PairDot(block + 2, x + 2 * Weights, p + Weights, order), PairScales(c + 2, spread), acc1);
        }
        if ((count & 2) != 0)
        {
            acc0 = Avx512F.FusedMultiplyAdd(PairDot(block, x, p, order), PairScales(c, spread), acc0);
            block += 2;
            x += 2 * Weights;
            p += Weights;
            c += 2;
        }
        var sum = Block32Kernels.Sum(acc0 + acc1);
        if ((count & 1) != 0)
            sum += Vector256.Sum(Avx.ConvertToVector256Single(BlockDot256(block, x, p))) * c[0];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> PairDot(Q4_0* block, sbyte* x, short* p, Vector512<ulong> order)
    {
        var bytes = Vector256.Create(Vector128.Load(block->Qs), Vector128.Load(block[1].Qs));
        var high = Avx2.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte();
        var q = Avx512F.PermuteVar8x64x2(bytes.AsUInt64().ToVector512Unsafe(), order, high.AsUInt64().ToVector512Unsafe()).AsByte()
            & Vector512.Create((byte)0xF);
        var pairs = Avx512BW.MultiplyAddAdjacent(q, Vector512.Load(x)) - Vector512.Load(p);
        return Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(pairs, Vector512.Create((short)1)));
    }

    // [c0 ×8, c1 ×8] from the two floats at c.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> PairScales(float* c, Vector512<int> spread) =>
        Avx512F.PermuteVar16x32(Vector128.CreateScalar(*(double*)c).AsSingle().ToVector256Unsafe().ToVector512Unsafe(), spread);

    // The block's 16 bytes and their high nibbles in one register, [low nibbles, high nibbles] =
    // weights 0..31 in order (as stored, q + 8).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Nibbles256(Q4_0* block)
    {
        var bytes = Vector128.Load(block->Qs);
        return Vector256.Create(bytes, Sse2.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte()) & Vector256.Create((byte)0xF);
    }

    // Σ (q − 8)·x over one block as 8 int32 partial sums (AVX2).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> BlockDot256(Q4_0* block, sbyte* x, short* p)
    {
        var pairs = Avx2.MultiplyAddAdjacent(Nibbles256(block), Vector256.Load(x)) - Vector256.Load(p);
        return Avx2.MultiplyAddAdjacent(pairs, Vector256.Create((short)1));
    }

    private static float Dot256(Q4_0* w, sbyte* x, short* p, float* c, int count)
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        Q4_0* block = w, pairsEnd = w + (count & ~1);
        for (; block < pairsEnd; block += 2, x += 2 * Weights, p += Weights, c += 2)
        {
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(BlockDot256(block, x, p)), Vector256.Create(c[0]), acc0);
            acc1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(BlockDot256(block + 1, x + Weights, p + Weights / 2)), Vector256.Create(c[1]), acc1);
        }
        if ((count & 1) != 0)
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(BlockDot256(block, x, p)), Vector256.Create(c[0]), acc0);
        return Vector256.Sum(acc0 + acc1);
    }

    // vpdpbusd: Σ (q + 8)·x per group of four, added to −8·Σx of the same four.
    private static float Dot256Vnni(Q4_0* w, sbyte* x, int* s, float* c, int count)
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        Q4_0* block = w, pairsEnd = w + (count & ~1);
        for (; block < pairsEnd; block += 2, x += 2 * Weights, s += Weights / 2, c += 2)
        {
            var d0 = AvxVnni.MultiplyWideningAndAdd(Vector256.Load(s), Nibbles256(block), Vector256.Load(x));
            var d1 = AvxVnni.MultiplyWideningAndAdd(Vector256.Load(s + Weights / 4), Nibbles256(block + 1), Vector256.Load(x + Weights));
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(d0), Vector256.Create(c[0]), acc0);
            acc1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(d1), Vector256.Create(c[1]), acc1);
        }
        if ((count & 1) != 0)
        {
            var d = AvxVnni.MultiplyWideningAndAdd(Vector256.Load(s), Nibbles256(block), Vector256.Load(x));
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(d), Vector256.Create(c[0]), acc0);
        }
        return Vector256.Sum(acc0 + acc1);
    }

    // Portable: nibbles and x widened to int16, products to int32.
    private static float Dot128(Q4_0* w, sbyte* x, float* c, int count)
    {
        var mask = Vector128.Create((byte)0xF);
        var eight = Vector128.Create((short)8);
        var acc = Vector128<float>.Zero;
        for (var i = 0; i < count; i++, x += Weights)
        {
            var bytes = Vector128.Load(w[i].Qs);
            var (l0, l1) = Vector128.Widen(bytes & mask);
            var (h0, h1) = Vector128.Widen(Vector128.ShiftRightLogical(bytes, 4));
            var (x0, x1) = Vector128.Widen(Vector128.Load(x));
            var (x2, x3) = Vector128.Widen(Vector128.Load(x + 16));
            var sums = QuantizedDot128.MultiplyAdd(l0.AsInt16() - eight, x0) + QuantizedDot128.MultiplyAdd(l1.AsInt16() - eight, x1)
                     + QuantizedDot128.MultiplyAdd(h0.AsInt16() - eight, x2) + QuantizedDot128.MultiplyAdd(h1.AsInt16() - eight, x3);
            acc += Vector128.ConvertToSingle(sums) * Vector128.Create(c[i]);
        }
        return Vector128.Sum(acc);
    }
}
