using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// The dot-product loops shared by <see cref="Q8_0"/> and <see cref="Q4_0"/>: per block, the
/// 32 weights as int16 times the 32 int16 activations with vpmaddwd (16 int32 pair sums), converted
/// to float and accumulated times c_i = d_weight,i · d_x,i.
/// </summary>
/// <remarks>
/// For a weight row, the half-precision block scales are converted once (vectorised) and multiplied
/// by each x row's scales, so the inner loops are three instructions per block and x row. At the
/// 256-bit level four x rows at a time (interleaved by <see cref="QuantizedActivations"/>) share each
/// unpacked weight block: the weights are read and unpacked once for the whole batch. (At the 512-bit
/// level batches of two or more go to <see cref="Block32ByteBatch"/> or, from four, <see cref="Block32FloatBatch"/>.)
/// A single x row: Q8_0 at the 512-bit level sign-extends a whole block into one 512-bit register
/// (four instructions per block). Q4_0 uses 256-bit operations at both levels: its two 16-weight
/// halves each fill a 256-bit register, while one 512-bit register would need them joined (a
/// lane-crossing insert and a variable shift); its stored nibbles are dotted unsigned and corrected
/// by 8·Σx per block afterwards, which saves subtracting 8 from every weight. Measured on this
/// project's AMD EPYC (single thread, busy machine): the 256-bit Q4_0 form took about 0.6× the time
/// of the 512-bit one; for Q8_0 the 512-bit form took about 0.9× the time of the 256-bit one.
/// Decoding (batch 1): Q8_0 goes through <see cref="DotRows"/> (14-bit x); Q4_0 does not come
/// here but to <see cref="ByteBlock32Kernels"/> (8-bit x, about 1.7× faster per block). The
/// single-row forms above also serve the rows of a batch left over after its tiles of four.
/// </remarks>
internal static unsafe class Block32Kernels
{
    private const int Weights = 32;
    private const int Tile = QuantizedActivations.Tile;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotRow<T>(T* w, int count, QuantizedActivations x, int bStart, int bEnd, float* y, int yStride, SimdLevel level)
        where T : unmanaged, IBlock32<T>
    {
        if (level == SimdLevel.Scalar)
        {
            for (var b = bStart; b < bEnd; b++)
                y[b * yStride] = T.DotScalar(w, x, b, count);
            return;
        }
        // Weight scales as floats, then c = weight scale × x scale per block (per x row).
        var padded = PaddedScales(count);
        var weightScales = x.RowScratch(padded + count * Tile);
        var c = weightScales + padded;
        ScalesToSingle(w, count, x.HalfScratch(padded), weightScales, level);

        var next = bStart;
        // Tiles of four rows at the 256-bit level only: at the 512-bit level batches of four or more go to
        // Block32ByteBatch or Block32FloatBatch and never come here.
        if (level == SimdLevel.Vector256)
            for (; next + Tile <= bEnd; next += Tile)
            {
                CombineTiled(weightScales, x.TiledScales(next / Tile), c, count);
                var sums = Dot4x256(w, x.TiledValues(next / Tile), c, count);
                for (var k = 0; k < Tile; k++)
                    y[(next + k) * yStride] = sums[k];
            }
        for (var b = next; b < bEnd; b++)
        {
            TensorPrimitives.Multiply(new ReadOnlySpan<float>(weightScales, count), new ReadOnlySpan<float>(x.Scales(b), count), new Span<float>(c, count));
            y[b * yStride] = level switch
            {
                SimdLevel.Vector512 when typeof(T) == typeof(Q8_0) => Dot1x512((Q8_0*)w, x.Values(b), c, count),
                >= SimdLevel.Vector256 => Dot1x256(w, x.Values(b), c, T.Offset == 0 ? null : x.GroupSums(b), count),
                _ => Dot1x128(w, x.Values(b), c, count),
            };
        }
    }

    /// <summary>Batch 1 (decoding) over <paramref name="rows"/> consecutive Q8_0 weight rows. At the
    /// 512-bit level the rows are dotted two at a time (one block per register, see
    /// <see cref="Rows512"/>), each step converting the half-precision scales of its four blocks
    /// in one 128-bit register: nothing is prepared per row or per chunk of rows, which for short
    /// rows (896 weights are 28 blocks) cost as much as the dot products. Narrower levels dot one
    /// row at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotRows(Q8_0* w, int count, int rows, QuantizedActivations x, float* y, SimdLevel level)
    {
        if (level < SimdLevel.Vector512)
        {
            for (var r = 0; r < rows; r++)
                DotRow(w + (long)r * count, count, x, 0, 1, y + r, 1, level);
            return;
        }
        // x's block scales times 2^112 (completing F16.ToUnbiasedSingle), and a zero for an odd count's last step.
        var xScales = x.RowScratch(count + 1);
        var scales = x.Scales(0);
        for (var i = 0; i < count; i++)
            xScales[i] = scales[i] * F16.Rebias;
        xScales[count] = 0;
        Rows512(w, count, rows, x.Values(0), xScales, y);
    }

    /// <summary>Floats needed for the scales of <paramref name="count"/> blocks in
    /// <see cref="ScalesToSingle{T}"/>: the conversion runs over whole vectors, so the count is padded
    /// to a multiple of 32 (the padding holds stale values nobody reads).</summary>
    public static int PaddedScales(int count) => (count + 31) & ~31;

    /// <summary>scales[i] = the scale of block i of the <paramref name="count"/> blocks at
    /// <paramref name="w"/> as a float, converted in one vectorised pass through
    /// <paramref name="halves"/>; both hold <see cref="PaddedScales"/>(count) values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScalesToSingle<T>(T* w, int count, ushort* halves, float* scales, SimdLevel level)
        where T : unmanaged, IBlock32<T>
    {
        var h = halves;
        for (T* block = w, end = w + count; block < end; block++)
            *h++ = T.ScaleBits(block);
        var padded = PaddedScales(count);
        F16.ToSingle(new ReadOnlySpan<ushort>(halves, padded), new Span<float>(scales, padded), level);
    }

    // Two rows at a time against one x (each x vector is loaded once for both rows), two blocks per step into
    // four accumulators, so no step waits for the previous one's multiply-add (Q8_0 4864×896, one
    // thread, median per call: about 165 → 158 µs with the weights in cache, 273 → 262 µs from
    // memory). The step's four block scales: lanes [w_i, w_i+1, w1_i, w1_i+1] of c, each broadcast
    // to its block's products. All rows in one call, a pair's sums reduced together: 896-weight rows are only 14 steps.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows512(Q8_0* w, int count, int rows, short* x, float* xScales, float* y)
    {
        var lane1 = Vector512.Create(1);
        var lane2 = Vector512.Create(2);
        var lane3 = Vector512.Create(3);
        for (var r = 0; r < rows; r += 2)
        {
            var w0 = w + (long)r * count;
            var w1 = r + 1 < rows ? w0 + count : w0; // a last odd row twice
            var xb = x;
            var xs = xScales;
            var acc0 = Vector512<float>.Zero;
            var acc1 = Vector512<float>.Zero;
            var acc2 = Vector512<float>.Zero;
            var acc3 = Vector512<float>.Zero;
            // Software prefetch of what the following pairs of rows read (a call's rows are consecutive),
            // at least PrefetchDistance bytes on, 136 bytes a step: the hardware prefetcher alone leaves
            // the start of each row to wait for memory.
            var ahead = (byte*)w0 + Math.Max(2 * count * sizeof(Q8_0), PrefetchDistance);
            for (var end = w0 + (count & ~1); w0 < end; w0 += 2, w1 += 2, xb += 2 * Weights, xs += 2, ahead += 4 * sizeof(Q8_0))
            {
                Sse.Prefetch0(ahead);
                Sse.Prefetch0(ahead + 64);
                Sse.Prefetch0(ahead + 128);
                var c = StepScales(w0->D, w0[1].D, w1->D, w1[1].D, xs);
                var xv = Vector512.Load(xb);
                var xv1 = Vector512.Load(xb + Weights);
                acc0 = Avx512F.FusedMultiplyAdd(Products(w0, xv), Vector512.Create(c.ToScalar()), acc0);
                acc1 = Avx512F.FusedMultiplyAdd(Products(w1, xv), Avx512F.PermuteVar16x32(c.ToVector256Unsafe().ToVector512Unsafe(), lane2), acc1);
                acc2 = Avx512F.FusedMultiplyAdd(Products(w0 + 1, xv1), Avx512F.PermuteVar16x32(c.ToVector256Unsafe().ToVector512Unsafe(), lane1), acc2);
                acc3 = Avx512F.FusedMultiplyAdd(Products(w1 + 1, xv1), Avx512F.PermuteVar16x32(c.ToVector256Unsafe().ToVector512Unsafe(), lane3), acc3);
            }
            if ((count & 1) != 0)
            {
                var c = StepScales(w0->D, 0, w1->D, 0, xs);
                var xv = Vector512.Load(xb);
                acc0 = Avx512F.FusedMultiplyAdd(Products(w0, xv), Vector512.Create(c.ToScalar()), acc0);
                acc1 = Avx512F.FusedMultiplyAdd(Products(w1, xv), Avx512F.PermuteVar16x32(c.ToVector256Unsafe().ToVector512Unsafe(), lane2), acc1);
            }
            var sums = Sum2(acc0 + acc2, acc1 + acc3);
            y[r] = sums.ToScalar();
            if (r + 1 < rows)
                y[r + 1] = sums.GetElement(1);
        }
    }

    /// <summary>The least distance in bytes at which the batch-1 Q8_0 kernel prefetches. 8 KB (as
    /// <see cref="ByteBlock32Groups"/>): `bench` on the Qwen2.5-0.5B-shaped Q8_0 file, one thread,
    /// generating 128 tokens, alternated three times: 4 KB 41.2–43.6 tok/s, 8 KB 44.7–48.2, 16 KB 39.7–40.3.</summary>
    private const int PrefetchDistance = 8192;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Products(Q8_0* block, Vector512<short> x) =>
        Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(Q8_0.Weights512(block), x));

    // [d_a·x_0, d_b·x_1, d_c·x_0, d_d·x_1] for four half-precision block scales and x's two block
    // scales at xScales (times 2^112, see DotRows).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> StepScales(ushort a, ushort b, ushort c, ushort d, float* xScales) =>
        F16.ToUnbiasedSingle(Vector128.Create((uint)a, b, c, d)) * Sse3.LoadAndDuplicateToVector128((double*)xScales).AsSingle();

    // c[4i + k] = weightScales[i] · tiledScales[4i + k].
    private static void CombineTiled(float* weightScales, float* tiledScales, float* c, int count)
    {
        for (var i = 0; i < count; i++)
            for (var k = 0; k < Tile; k++)
                c[Tile * i + k] = weightScales[i] * tiledScales[Tile * i + k];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Block512(Vector512<short> weights, short* x) =>
        Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(weights, Vector512.Load(x)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Block256(Vector256<short> lo, Vector256<short> hi, short* x) =>
        Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(lo, Vector256.Load(x)) + Avx2.MultiplyAddAdjacent(hi, Vector256.Load(x + 16)));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot1x512(Q8_0* w, short* x, float* c, int count)
    {
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        Q8_0* block = w, pairsEnd = w + (count & ~1);
        short* xb = x;
        float* cb = c;
        for (; block < pairsEnd; block += 2, xb += 2 * Weights, cb += 2)
        {
            acc0 = Avx512F.FusedMultiplyAdd(Block512(Q8_0.Weights512(block), xb), Vector512.Create(cb[0]), acc0);
            acc1 = Avx512F.FusedMultiplyAdd(Block512(Q8_0.Weights512(block + 1), xb + Weights), Vector512.Create(cb[1]), acc1);
        }
        if ((count & 1) != 0)
            acc0 = Avx512F.FusedMultiplyAdd(Block512(Q8_0.Weights512(block), xb), Vector512.Create(cb[0]), acc0);
        return Sum(acc0 + acc1);
    }

    /// <summary>The sum of the 16 lanes, halving the width at each step (Vector512.Sum reduces
    /// each half separately: about twice the instructions, which shows on 28-block rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> v)
    {
        var half = v.GetLower() + v.GetUpper();
        return Vector128.Sum(half.GetLower() + half.GetUpper());
    }

    /// <summary>[Σ a, Σ b, …]: two rows' sums reduced at once (a's and b's quarters added in one register, then its
    /// halves, then two horizontal adds), for kernels that end two rows together.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum2(Vector512<float> a, Vector512<float> b)
    {
        var quarters = Avx512F.Shuffle4x128(a, b, 0b01_00_01_00) + Avx512F.Shuffle4x128(a, b, 0b11_10_11_10); // [a0 + a2, a1 + a3, b0 + b2, b1 + b3]
        var halves = quarters + Avx512F.Shuffle4x128(quarters, quarters, 0b10_11_00_01);
        var pair = Sse3.HorizontalAdd(halves.GetLower().GetLower(), Avx512F.ExtractVector128(halves, 2));
        return Sse3.HorizontalAdd(pair, pair);
    }

    // Σ_i c_i·Σ q'·x − Offset·Σ_i c_i·(Σ x over block i).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot1x256<T>(T* w, short* x, float* c, int* groupSums, int count) where T : unmanaged, IBlock32<T>
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        T* block = w, pairsEnd = w + (count & ~1);
        short* xb = x;
        float* cb = c;
        for (; block < pairsEnd; block += 2, xb += 2 * Weights, cb += 2)
        {
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(T.StoredDot256(block, xb)), Vector256.Create(cb[0]), acc0);
            acc1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(T.StoredDot256(block + 1, xb + Weights)), Vector256.Create(cb[1]), acc1);
        }
        if ((count & 1) != 0)
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(T.StoredDot256(block, xb)), Vector256.Create(cb[0]), acc0);
        var sum = Vector256.Sum(acc0 + acc1);
        if (T.Offset != 0)
        {
            var correction = Vector256<float>.Zero;
            var k = 0;
            for (; k + 8 <= count; k += 8)
                correction = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Vector256.Load(groupSums + k)), Vector256.Load(c + k), correction);
            var tail = 0f;
            for (; k < count; k++)
                tail += groupSums[k] * c[k];
            sum -= T.Offset * (Vector256.Sum(correction) + tail);
        }
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector128<float> Dot4x256<T>(T* w, short* x, float* c, int count) where T : unmanaged, IBlock32<T>
    {
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (var end = w + count; w < end; w++, x += Tile * Weights, c += Tile)
        {
            var (lo, hi) = T.Weights256(w);
            acc0 = Fma.MultiplyAdd(Block256(lo, hi, x), Vector256.Create(c[0]), acc0);
            acc1 = Fma.MultiplyAdd(Block256(lo, hi, x + Weights), Vector256.Create(c[1]), acc1);
            acc2 = Fma.MultiplyAdd(Block256(lo, hi, x + 2 * Weights), Vector256.Create(c[2]), acc2);
            acc3 = Fma.MultiplyAdd(Block256(lo, hi, x + 3 * Weights), Vector256.Create(c[3]), acc3);
        }
        return Vector128.Create(Vector256.Sum(acc0), Vector256.Sum(acc1), Vector256.Sum(acc2), Vector256.Sum(acc3));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot1x128<T>(T* w, short* x, float* c, int count) where T : unmanaged, IBlock32<T>
    {
        var acc = Vector128<float>.Zero;
        for (var i = 0; i < count; i++)
            acc += Vector128.ConvertToSingle(T.Dot128(w + i, x + i * Weights)) * Vector128.Create(c[i]);
        return Vector128.Sum(acc);
    }
}
