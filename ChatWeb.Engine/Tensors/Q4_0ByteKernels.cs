using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

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
/// Levels: Vector512 (with AVX-512 VBMI) takes four blocks of two rows per step (see <see cref="Dot2x512"/>),
/// over x laid out once per call to match, and converts the blocks' half-precision scales itself,
/// so a row costs nothing beyond its blocks; Vector256 one block per register, with vpdpbusd
/// (AVX-VNNI) where the CPU has it, else vpmaddubsw + vpmaddwd, and the scales converted per
/// chunk of rows; Vector128 widens to int16 with portable operations; Scalar is the plain
/// reference <see cref="DotScalar"/>.
/// Measured on this project's 2-core AMD EPYC (Zen 5; `matbench`-style runs of
/// <see cref="MatMulBenchmark.Measure"/>, one thread, best of 2000 calls, machine shared, load 4–6):
/// with the weights in cache, 896×4864 took 0.49–0.63 ns per block and 4864×896 0.58–0.79 ns, where
/// the 14-bit int16 kernel it replaced took 1.0 and 1.24–1.38 ns; from memory (copies larger than
/// L3) 896×4864 went from about 200 to 150 µs per call and 4864×896 from about 200 to 120–140 µs.
/// The Vector256 forms took 1.22–1.34 ns per block from cache, with and without VNNI alike.
/// </remarks>
internal static unsafe class Q4_0ByteKernels
{
    private const int Weights = Q4_0.Weights;

    [ThreadStatic] private static ushort[]? t_halves;
    [ThreadStatic] private static float[]? t_scales;
    [ThreadStatic] private static short[]? t_pairSums;
    [ThreadStatic] private static int[]? t_quadSums;
    [ThreadStatic] private static sbyte[]? t_groupValues;
    [ThreadStatic] private static short[]? t_groupPairSums;
    [ThreadStatic] private static float[]? t_groupScales;

    /// <summary>Weight rows per pass of the narrower levels' scale conversion.</summary>
    private const int RowChunk = 16;

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void DotRows(Q4_0* w, int count, int rows, ByteActivations x, float* y, SimdLevel level, bool vnni)
    {
        Debug.Assert(x.Cols == count * Weights && (!vnni || AvxVnni.IsSupported));
        if (level == SimdLevel.Scalar)
        {
            for (var r = 0; r < rows; r++)
                y[r] = DotScalar(w + (long)r * count, x, count);
            return;
        }
        if (level == SimdLevel.Vector512 && Avx512Vbmi.IsSupported)
        {
            var groups = PrepareGroups(x, count);
            var r = 0;
            for (; r + 2 <= rows; r += 2)
            {
                var row = w + (long)r * count;
                var sums = Dot2x512(row, row + count, groups, count);
                y[r] = sums.GetElement(0);
                y[r + 1] = sums.GetElement(1);
            }
            if (r < rows)
                y[r] = Dot2x512(w + (long)r * count, w + (long)r * count, groups, count).GetElement(0);
            var whole = count / GroupBlocks * GroupBlocks;
            if (whole < count)
                for (r = 0; r < rows; r++)
                    y[r] += Tail(w + (long)r * count + whole, x, whole, count);
            return;
        }
        var xq = x.Values(0);
        var p = level == SimdLevel.Vector256 && !vnni ? PairSums(xq, x.Cols) : null;
        var s = level == SimdLevel.Vector256 && vnni ? QuadSums(xq, x.Cols) : null;
        for (var r0 = 0; r0 < rows; r0 += RowChunk)
        {
            var chunk = Math.Min(RowChunk, rows - r0);
            var c = CombinedScales(w + (long)r0 * count, count, chunk, x.Scales(0), level);
            for (var r = 0; r < chunk; r++)
            {
                var row = w + (long)(r0 + r) * count;
                var cr = c + r * count;
                y[r0 + r] = level switch
                {
                    SimdLevel.Vector256 when vnni => Dot256Vnni(row, xq, s, cr, count),
                    SimdLevel.Vector256 => Dot256(row, xq, p, cr, count),
                    _ => Dot128(row, xq, cr, count),
                };
            }
        }
    }

    // c[r·count + i] = weight scale of block i of row r × x scale of block i, for all the rows at
    // once (one vectorised half → float conversion instead of one per row).
    private static float* CombinedScales(Q4_0* w, int count, int rows, float* xScales, SimdLevel level)
    {
        var padded = Block32Kernels.PaddedScales(rows * count);
        var c = Scratch(ref t_scales, padded);
        Block32Kernels.ScalesToSingle(w, rows * count, Scratch(ref t_halves, padded), c, level);
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

    // x for the AVX-512 kernel, per group g of four blocks (4g .. 4g+3): 128 bytes, the values
    // 0..15 of the four blocks then their values 16..31 (the order of the groups' low nibbles,
    // then high nibbles); 32 int16 8·(pair sums) matching vpmaddubsw's lanes over both halves
    // added; and 16 floats, x's scale of block 4g + i/4 times 2^112 (completing the kernel's scale conversion) in lane i.
    private static Groups PrepareGroups(ByteActivations x, int count)
    {
        var groups = count / GroupBlocks;
        var values = Scratch(ref t_groupValues, groups * 4 * Weights);
        var pairs = Scratch(ref t_groupPairSums, groups * 2 * Weights / 2);
        var scales = Scratch(ref t_groupScales, groups * 16);
        var xq = x.Values(0);
        var xd = x.Scales(0);
        var eight = Vector512.Create((byte)8);
        for (var g = 0; g < groups; g++)
        {
            var v = values + g * 4 * Weights;
            for (var k = 0; k < GroupBlocks; k++)
            {
                var block = xq + (g * GroupBlocks + k) * Weights;
                Vector128.Load(block).Store(v + 16 * k);
                Vector128.Load(block + 16).Store(v + 64 + 16 * k);
                for (var i = 0; i < 4; i++)
                    scales[g * 16 + 4 * k + i] = xd[g * GroupBlocks + k] * F16.Rebias;
            }
            (Avx512BW.MultiplyAddAdjacent(eight, Vector512.Load(v)) + Avx512BW.MultiplyAddAdjacent(eight, Vector512.Load(v + 64)))
                .Store(pairs + g * Weights);
        }
        return new Groups(values, pairs, scales);
    }

    private readonly struct Groups(sbyte* values, short* pairSums, float* scales)
    {
        public sbyte* Values { get; } = values;
        public short* PairSums { get; } = pairSums;
        public float* Scales { get; } = scales;
    }

    // Two rows against one x, four blocks (72 bytes) of each per step, read as two overlapping
    // 64-byte loads: one vpermt2b picks the 64 bytes of nibbles (block k's 16 at bytes
    // 16k..16k+15), giving the four blocks' low nibbles in one register and their high nibbles in
    // another; vpmaddubsw with x, minus 8·Σx, and vpmaddwd with ones leave int32 lanes 4k..4k+3
    // for block k. One vpermb moves each block's half-precision scale into the top of its four
    // lanes, where shifts and masks make it a float (bits (h & 0x7FFF) << 13 are h · 2^−112; sign
    // kept; infinities and NaN are not handled, which quantized files do not hold) that x's scale
    // (times 2^112, see PrepareGroups) completes. Each x vector is loaded once for both rows.
    // Software prefetch of every line each row reads, 4 KB ahead: this EPYC's hardware prefetcher
    // alone leaves the loads waiting for memory (one thread, weights from memory, 4864×896: one
    // prefetch per 72 bytes of each row read ~11 GB/s, one per 64 bytes at 1 KB ~13–18, at 4 KB 16–20).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector128<float> Dot2x512(Q4_0* w, Q4_0* w1, Groups x, int count)
    {
        var nibbles = NibbleIndex;
        var scaleBytes = ScaleIndex;
        var mask = Vector512.Create((byte)0xF);
        var magnitude = Vector512.Create(0x0FFF_E000u);
        var sign = Vector512.Create(0x8000_0000u);
        var ones = Vector512.Create((short)1);
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        var xv = x.Values;
        var xp = x.PairSums;
        var xs = x.Scales;
        var groups = count / GroupBlocks;
        for (var g = 0; g < groups; g++, w += GroupBlocks, w1 += GroupBlocks, xv += 4 * Weights, xp += Weights, xs += 16)
        {
            Sse.Prefetch0((byte*)w + PrefetchDistance);
            Sse.Prefetch0((byte*)w + PrefetchDistance + 64);
            Sse.Prefetch0((byte*)w1 + PrefetchDistance);
            Sse.Prefetch0((byte*)w1 + PrefetchDistance + 64);
            var low = Vector512.Load(xv);
            var high = Vector512.Load(xv + 64);
            var pairs = Vector512.Load(xp);
            var scales = Vector512.Load(xs);
            acc0 = Avx512F.FusedMultiplyAdd(GroupDot(w, low, high, pairs, nibbles, mask, ones), GroupScales(w, scales, scaleBytes, magnitude, sign), acc0);
            acc1 = Avx512F.FusedMultiplyAdd(GroupDot(w1, low, high, pairs, nibbles, mask, ones), GroupScales(w1, scales, scaleBytes, magnitude, sign), acc1);
        }
        return Vector128.Create(Block32Kernels.Sum(acc0), Block32Kernels.Sum(acc1), 0, 0);
    }

    // The last count % 4 blocks one at a time.
    private static float Tail(Q4_0* w, ByteActivations activations, int from, int count)
    {
        var sum = 0f;
        for (var i = from; i < count; i++, w++)
        {
            var xb = activations.Values(0) + i * Weights;
            var pairs = Avx2.MultiplyAddAdjacent(Nibbles256(w), Vector256.Load(xb)) - Avx2.MultiplyAddAdjacent(Vector256.Create((byte)8), Vector256.Load(xb));
            var dot = Avx2.MultiplyAddAdjacent(pairs, Vector256.Create((short)1));
            sum += Vector256.Sum(dot) * (F16.ToSingle(w->D) * activations.Scales(0)[i]);
        }
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> GroupDot(Q4_0* w, Vector512<sbyte> low, Vector512<sbyte> high, Vector512<short> pairSums, Vector512<byte> nibbles, Vector512<byte> mask, Vector512<short> ones)
    {
        var bytes = Avx512Vbmi.PermuteVar64x8x2(Vector512.Load((byte*)w), nibbles, Vector512.Load((byte*)w + 8));
        var pairs = Avx512BW.MultiplyAddAdjacent(bytes & mask, low)
                  + Avx512BW.MultiplyAddAdjacent(Avx512BW.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & mask, high) - pairSums;
        return Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(pairs, ones));
    }

    // x's scales already hold the 2^112 that completes the conversion.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> GroupScales(Q4_0* w, Vector512<float> xScales, Vector512<byte> scaleBytes, Vector512<uint> magnitude, Vector512<uint> sign)
    {
        var top = Avx512Vbmi.PermuteVar64x8(Vector512.Load((byte*)w), scaleBytes).AsUInt32();
        return Avx512F.TernaryLogic(Avx512F.ShiftRightLogical(top, 3) & magnitude, top, sign, 0xF8).AsSingle() * xScales;
    }

    private const int GroupBlocks = 4;
    private const int PrefetchDistance = 4096;



    // Byte 16k + j ← nibble byte j of block k, at 18k + 2 + j in the group's 72 bytes; indices
    // 0..63 address the first load (bytes 0..63), 64..127 the second (bytes 8..71).
    private static readonly Vector512<byte> NibbleIndex = Index(n =>
    {
        var at = 18 * (n / 16) + 2 + n % 16;
        return at < 64 ? at : 64 + at - 8;
    });

    // Lane i (block i / 4): bytes 2 and 3 ← the block's scale (bytes 18k, 18k + 1); bytes 0 and 1
    // anything (shifted out by the conversion).
    private static readonly Vector512<byte> ScaleIndex = Index(n => 18 * (n / 16) + (n % 4 == 3 ? 1 : 0));

    private static Vector512<byte> Index(Func<int, int> at)
    {
        var bytes = new byte[64];
        for (var n = 0; n < 64; n++)
            bytes[n] = (byte)at(n);
        return Vector512.Create(bytes);
    }

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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
