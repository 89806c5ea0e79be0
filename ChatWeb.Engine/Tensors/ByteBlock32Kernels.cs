using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// The matrix product for the 32-weight types with one scale per block (<see cref="IByteBlock32{TSelf}"/>:
/// Q4_1, Q5_0, Q5_1, IQ4_NL; and Q4_0, whose batches go with Q8_0's) at batch 1, and at every batch size on CPUs without AVX-VNNI (with it,
/// <see cref="WeightMatrix"/> sends batches to <see cref="Block32ByteBatch"/>: the same 8-bit x and
/// integer block sums, so alone and in a batch agree up to float rounding), with x quantized to 8
/// bits per block of 32 (<see cref="ByteActivations"/>, as llama.cpp's Q8_0/Q8_1 activations).
/// </summary>
/// <remarks>
/// <para>Per block and x row: d_x·(d·(Σ q·x − Offset·Σx) + m·Σx). The block's 32 q are decoded into
/// one 256-bit register straight from the file (<see cref="IByteBlock32{TSelf}.Bytes256"/>), met by
/// vpdpbusd (AVX-VNNI: unsigned q × signed x, groups of four added to int32) or, without AVX-VNNI,
/// vpmaddubsw (pairs to int16: at most 2·31·127) and vpmaddwd by ones; the −Offset·Σx correction
/// starts the integer sums. The eight int32 lanes are converted and added to a float accumulator
/// times d·d_x, so the horizontal sum happens once per row; the minimum's m·d_x·Σx goes to a scalar
/// accumulator. Signed q (IQ4_NL) use |q| and x with q's sign (vpsignb), as llama.cpp does.</para>
/// <para>Batch 1 (decoding): the two blocks of a step have their d and m converted together in one
/// 128-bit register and multiplied by x's side, computed once per call (no scalar conversion per
/// block); with AVX-512 VBMI at the 512-bit level, <see cref="ByteBlock32Groups"/> takes four blocks
/// per step instead.</para>
/// <para>Batches: four x rows meet each decoded block together (the decoding and the block's scales
/// are shared); <see cref="RowChunk"/> weight rows meet <see cref="BatchChunk"/> rows of x at a time,
/// so both stay in L2 while the weights are read from memory once per call. Levels below Vector256
/// run the scalar reference <see cref="DotScalar{T}"/>. A sequence gets the same result alone and
/// in a batch.</para>
/// </remarks>
internal static unsafe class ByteBlock32Kernels
{
    private const int Weights = 32;
    private const int RowChunk = 16;
    private const int BatchChunk = 64;

    /// <summary>y[b, r] = Σ_c W[r, c]·x[b, c] for r in [rowStart, rowEnd); x is [batch, cols], y is
    /// [batch, rows]. <paramref name="vnni"/> false takes the kernels of a CPU without AVX-VNNI.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)] // optimized at first call, with its own inlining budget (README: kernel section)
    public static void Run<T>(T* w, int rows, int cols, ReadOnlySpan<float> x, int batch, float* y, int rowStart, int rowEnd,
        SimdLevel level, bool vnni = true)
        where T : unmanaged, IByteBlock32<T>
    {
        Debug.Assert(cols % Weights == 0);
        var count = cols / Weights;
        var activations = ByteActivations.ForCurrentThread();
        activations.Quantize(x, batch, cols, level);
        if (level < SimdLevel.Vector256)
        {
            for (var r = rowStart; r < rowEnd; r++)
                for (var b = 0; b < batch; b++)
                    y[(long)b * rows + r] = DotScalar(w + (long)r * count, activations, b, count);
            return;
        }
        var useVnni = vnni && AvxVnni.IsSupported;
        if (batch == 1)
        {
            if (useVnni)
                DotRows<T, Vnni>(w + (long)rowStart * count, count, rowEnd - rowStart, activations, y + rowStart, level);
            else
                DotRows<T, NoVnni>(w + (long)rowStart * count, count, rowEnd - rowStart, activations, y + rowStart, level);
            return;
        }
        for (var r0 = rowStart; r0 < rowEnd; r0 += RowChunk)
        {
            var r1 = Math.Min(r0 + RowChunk, rowEnd);
            for (var b0 = 0; b0 < batch; b0 += BatchChunk)
            {
                var b1 = Math.Min(b0 + BatchChunk, batch);
                for (var r = r0; r < r1; r++)
                {
                    var row = w + (long)r * count;
                    var b = b0;
                    for (; b + 4 <= b1; b += 4)
                    {
                        if (useVnni)
                            Dot4<T, Vnni>(row, count, activations, b, y + (long)b * rows + r, rows);
                        else
                            Dot4<T, NoVnni>(row, count, activations, b, y + (long)b * rows + r, rows);
                    }
                    for (; b < b1; b++)
                        y[(long)b * rows + r] = useVnni ? Dot<T, Vnni>(row, count, activations, b) : Dot<T, NoVnni>(row, count, activations, b);
                }
            }
        }
    }

    /// <summary>The plain reference: Σ_blocks d_x·(d·(Σ q·x − Offset·Σx) + m·Σx) with exact integer
    /// sums, the weights read one at a time from the packed block.</summary>
    public static float DotScalar<T>(T* w, ByteActivations x, int b, int count) where T : unmanaged, IByteBlock32<T>
    {
        var xq = x.Values(b);
        var xd = x.Scales(b);
        var xs = x.Sums(b);
        var sum = 0f;
        for (var i = 0; i < count; i++)
        {
            var block = w + i;
            var xb = xq + (long)i * Weights;
            long isum = 0;
            for (var n = 0; n < Weights; n++)
                isum += T.ByteWeight(block, n) * xb[n];
            isum -= (long)T.Offset * xs[i];
            sum += xd[i] * (T.Scale(block) * isum + T.AddedMin(block) * xs[i]);
        }
        return sum;
    }

    /// <summary>Writes <paramref name="count"/> blocks as floats: d·(q_n − Offset) + m.</summary>
    public static void Dequantize<T>(T* blocks, int count, float* destination) where T : unmanaged, IByteBlock32<T>
    {
        for (var i = 0; i < count; i++)
        {
            var block = blocks + i;
            var d = T.Scale(block);
            var m = T.AddedMin(block);
            for (var n = 0; n < Weights; n++)
                destination[(long)i * Weights + n] = d * (T.ByteWeight(block, n) - T.Offset) + m;
        }
    }

    /// <summary>32 bytes, byte j 0x10 where bit j of <paramref name="bits"/> is set, else 0 (the fifth
    /// bits of Q5_0/Q5_1). With AVX-512 VBMI one vpmultishiftqb rotates each byte's bit into place
    /// (byte j of each qword takes the 8 bits from bit j + 28 of the dword broadcast twice into it,
    /// so bit j + 32, a copy of bit j, lands at bit 4); else each byte picks its dword byte, then
    /// tests its own bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> FifthBits(uint bits)
    {
        var fifth = Vector256.Create((byte)0x10);
        if (Avx512Vbmi.VL.IsSupported)
            return Avx512Vbmi.VL.MultiShift(FifthBitShifts, Vector256.Create(bits).AsUInt64()) & fifth;
        var spread = Avx2.Shuffle(Vector256.Create(bits).AsByte(), Vector256.Create(
            (byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
        var others = Vector256.Create(0x7FBFDFEFF7FBFDFEUL).AsByte(); // byte j: every bit but j mod 8
        return Vector256.Equals(spread | others, Vector256<byte>.AllBitsSet) & fifth;
    }

    // Byte j: j + 28 (see FifthBits).
    private static readonly Vector256<byte> FifthBitShifts = Vector256.Create(
        (byte)28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59);

    /// <summary>The 32 nibbles of a 32-weight block (byte j: q_j low, q_{j+16} high) as bytes in weight
    /// order: the 16 bytes loaded into both halves, the upper half shifted right by 4, then masked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Nibbles(byte* qs) =>
        Avx2.ShiftRightLogicalVariable(Avx2.BroadcastVector128ToVector256(qs).AsUInt32(), Vector256.Create(0u, 0, 0, 0, 4, 4, 4, 4)).AsByte()
        & Vector256.Create((byte)0xF);

    private interface IByteDot
    {
        /// <summary>sums + Σ over groups of four of q·x (q unsigned, x signed) in eight int32 lanes.</summary>
        static abstract Vector256<int> Add(Vector256<int> sums, Vector256<byte> q, Vector256<sbyte> x);
    }

    private readonly struct Vnni : IByteDot
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Add(Vector256<int> sums, Vector256<byte> q, Vector256<sbyte> x) =>
            AvxVnni.MultiplyWideningAndAdd(sums, q, x);
    }

    private readonly struct NoVnni : IByteDot
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Add(Vector256<int> sums, Vector256<byte> q, Vector256<sbyte> x) =>
            sums + Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, x), Vector256.Create((short)1));
    }

    // Σ q·x − Offset·Σx of one decoded block and one x block, in eight int32 lanes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> BlockDot<T, TDot>(Vector256<byte> q, sbyte* x, int xSum)
        where T : unmanaged, IByteBlock32<T> where TDot : IByteDot =>
        ByteDot<T, TDot>(T.Offset == 0 ? Vector256<int>.Zero : Vector256.CreateScalar(-T.Offset * xSum), q, x);

    // start + Σ q·x of one decoded block and one x block, in eight int32 lanes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> ByteDot<T, TDot>(Vector256<int> start, Vector256<byte> q, sbyte* x)
        where T : unmanaged, IByteBlock32<T> where TDot : IByteDot
    {
        var xv = Vector256.Load(x);
        return T.SignedBytes
            ? TDot.Add(start, Avx2.Abs(q.AsSByte()), Avx2.Sign(xv, q.AsSByte()))
            : TDot.Add(start, q, xv);
    }

    // Batch 1 (decoding): x's side of each block's terms is computed once per call (XTerms), then
    // each row is one RowDot, or at the 512-bit level with AVX-512 VBMI ByteBlock32Groups' four
    // blocks per step.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)] // optimized at first call, with its own inlining budget (README: kernel section)
    private static void DotRows<T, TDot>(T* w, int count, int rows, ByteActivations x, float* y, SimdLevel level)
        where T : unmanaged, IByteBlock32<T> where TDot : IByteDot
    {
        var xTerms = XTerms<T>(x, count);
        var xq = x.Values(0);
        if (level == SimdLevel.Vector512 && ByteBlock32Groups.IsSupported && count >= ByteBlock32Groups.GroupBlocks)
        {
            // whole groups of four blocks at 512 bits, two rows at a time; the last count % 4 blocks here
            var groups = ByteBlock32Groups.Prepare<T>(x, count);
            ByteBlock32Groups.DotRows(w, count, rows, groups, y);
            var grouped = count / ByteBlock32Groups.GroupBlocks * ByteBlock32Groups.GroupBlocks;
            if (grouped < count)
            {
                for (var r = 0; r < rows; r++)
                    y[r] += RowDot<T, TDot>(w + (long)r * count + grouped, count - grouped, xq + grouped * Weights, xTerms + 2 * grouped);
            }
            return;
        }
        for (var r = 0; r < rows; r++)
            y[r] = RowDot<T, TDot>(w + (long)r * count, count, xq, xTerms);
    }

    // Per block i of x: [d_x·2^112, t·2^112] with t the factor of the block's second term: d_x·Σx
    // (times m), −Offset·d_x·Σx (times d) or 0 (no second term). 2^112 completes the half → float
    // conversion of RowDot. Two zeros follow for the last step of an odd count.
    private static float* XTerms<T>(ByteActivations x, int count) where T : unmanaged, IByteBlock32<T>
    {
        var terms = Scratch(ref t_xTerms, 2 * count + 2);
        var xd = x.Scales(0);
        var xs = x.Sums(0);
        for (var i = 0; i < count; i++)
        {
            terms[2 * i] = xd[i] * F16.Rebias;
            terms[2 * i + 1] = T.HasMin ? xd[i] * xs[i] * F16.Rebias : -T.Offset * xd[i] * xs[i] * F16.Rebias;
        }
        terms[2 * count] = terms[2 * count + 1] = 0; // the missing second block of an odd row's last step
        return terms;
    }

    // Σ_i d_i·d_x,i·Σ q·x + Σ_i (second term)_i over one row, two blocks per step into separate
    // accumulators, the weights prefetched PrefetchDistance bytes ahead. The two blocks' d and m
    // (or d twice for an offset) become floats together in one 128-bit register
    // (F16.ToUnbiasedSingle), times XTerms (2^112 and x's side).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float RowDot<T, TDot>(T* w, int count, sbyte* x, float* xTerms)
        where T : unmanaged, IByteBlock32<T> where TDot : IByteDot
    {
        Vector256<float> acc0 = default, acc1 = default;
        var extra = Vector128<float>.Zero;
        var i = 0;
        for (; i + 2 <= count; i += 2, x += 2 * Weights, xTerms += 4)
        {
            Sse.Prefetch0((byte*)(w + i) + PrefetchDistance);
            var terms = BlockTerms<T>(T.ScaleAndMinBits(w + i), T.ScaleAndMinBits(w + i + 1)) * Vector128.Load(xTerms);
            var s0 = ByteDot<T, TDot>(Vector256<int>.Zero, T.Bytes256(w + i), x);
            var s1 = ByteDot<T, TDot>(Vector256<int>.Zero, T.Bytes256(w + i + 1), x + Weights);
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(s0), Avx2.BroadcastScalarToVector256(terms), acc0);
            acc1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(s1), Avx2.PermuteVar8x32(terms.ToVector256Unsafe(), Vector256.Create(2)), acc1);
            extra += terms;
        }
        if (i < count)
        {
            var terms = BlockTerms<T>(T.ScaleAndMinBits(w + i), 0) * Vector128.Load(xTerms);
            var s = ByteDot<T, TDot>(Vector256<int>.Zero, T.Bytes256(w + i), x);
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(s), Avx2.BroadcastScalarToVector256(terms), acc0);
            extra += terms;
        }
        return Vector256.Sum(acc0 + acc1) + (extra.GetElement(1) + extra.GetElement(3));
    }

    // Lanes [d_0, t_0, d_1, t_1] · 2^−112 of two blocks from their ScaleAndMinBits: t = m, or d for
    // types with an offset.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> BlockTerms<T>(uint bits0, uint bits1) where T : unmanaged, IByteBlock32<T>
    {
        if (!T.HasMin && T.Offset != 0)
        {
            bits0 |= bits0 << 16;
            bits1 |= bits1 << 16;
        }
        return F16.ToUnbiasedSingle(Sse41.ConvertToVector128Int32(Vector128.Create(bits0, bits1, 0, 0).AsUInt16()).AsUInt32());
    }

    /// <summary>Bytes the batch-1 path prefetches ahead of the block it reads.</summary>
    private const int PrefetchDistance = 1024;

    [ThreadStatic] private static float[]? t_xTerms;

    private static TElement* Scratch<TElement>(ref TElement[]? array, int length) where TElement : unmanaged
    {
        if (array is null || array.Length < length)
            array = GC.AllocateUninitializedArray<TElement>(length, pinned: true);
        return (TElement*)Unsafe.AsPointer(ref array[0]);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)] // optimized at first call, with its own inlining budget (README: kernel section)
    private static float Dot<T, TDot>(T* w, int count, ByteActivations x, int b)
        where T : unmanaged, IByteBlock32<T> where TDot : IByteDot
    {
        var xq = x.Values(b);
        var xd = x.Scales(b);
        var xs = x.Sums(b);
        Vector256<float> acc0 = default, acc1 = default;
        float min0 = 0, min1 = 0;
        var i = 0;
        for (; i + 2 <= count; i += 2)
        {
            var s0 = BlockDot<T, TDot>(T.Bytes256(w + i), xq + i * Weights, xs[i]);
            var s1 = BlockDot<T, TDot>(T.Bytes256(w + i + 1), xq + (i + 1) * Weights, xs[i + 1]);
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(s0), Vector256.Create(T.Scale(w + i) * xd[i]), acc0);
            acc1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(s1), Vector256.Create(T.Scale(w + i + 1) * xd[i + 1]), acc1);
            if (T.HasMin)
            {
                min0 += T.AddedMin(w + i) * (xd[i] * xs[i]);
                min1 += T.AddedMin(w + i + 1) * (xd[i + 1] * xs[i + 1]);
            }
        }
        if (i < count)
        {
            var s = BlockDot<T, TDot>(T.Bytes256(w + i), xq + i * Weights, xs[i]);
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(s), Vector256.Create(T.Scale(w + i) * xd[i]), acc0);
            if (T.HasMin)
                min0 += T.AddedMin(w + i) * (xd[i] * xs[i]);
        }
        return Vector256.Sum(acc0 + acc1) + (min0 + min1);
    }

    // One weight row against x rows b..b+3 (batches): y[j · yStride] = row · x_{b+j}; each block is
    // decoded once for the four rows.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)] // optimized at first call, with its own inlining budget (README: kernel section)
    private static void Dot4<T, TDot>(T* w, int count, ByteActivations x, int b, float* y, int yStride)
        where T : unmanaged, IByteBlock32<T> where TDot : IByteDot
    {
        sbyte* x0 = x.Values(b), x1 = x.Values(b + 1), x2 = x.Values(b + 2), x3 = x.Values(b + 3);
        int* m0 = x.Sums(b), m1 = x.Sums(b + 1), m2 = x.Sums(b + 2), m3 = x.Sums(b + 3);
        float* d0 = x.Scales(b), d1 = x.Scales(b + 1), d2 = x.Scales(b + 2), d3 = x.Scales(b + 3);
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        float n0 = 0, n1 = 0, n2 = 0, n3 = 0;
        for (var i = 0; i < count; i++)
        {
            var block = w + i;
            var q = T.Bytes256(block);
            var d = T.Scale(block);
            var o = i * Weights;
            f0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(BlockDot<T, TDot>(q, x0 + o, m0[i])), Vector256.Create(d * d0[i]), f0);
            f1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(BlockDot<T, TDot>(q, x1 + o, m1[i])), Vector256.Create(d * d1[i]), f1);
            f2 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(BlockDot<T, TDot>(q, x2 + o, m2[i])), Vector256.Create(d * d2[i]), f2);
            f3 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(BlockDot<T, TDot>(q, x3 + o, m3[i])), Vector256.Create(d * d3[i]), f3);
            if (T.HasMin)
            {
                var m = T.AddedMin(block);
                n0 += m * (d0[i] * m0[i]);
                n1 += m * (d1[i] * m1[i]);
                n2 += m * (d2[i] * m2[i]);
                n3 += m * (d3[i] * m3[i]);
            }
        }
        y[0] = Vector256.Sum(f0) + n0;
        y[yStride] = Vector256.Sum(f1) + n1;
        y[2 * yStride] = Vector256.Sum(f2) + n2;
        y[3 * yStride] = Vector256.Sum(f3) + n3;
    }
}
