using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// The matrix product for the 256-weight types (<see cref="IByteBlock256{TSelf}"/>) at every batch
/// size, with x quantized to 8 bits per 256 values (<see cref="ByteActivations256"/>, as llama.cpp's
/// Q8_K). One x row (generation) meets each block decoded straight from the file into registers
/// (<see cref="IByteBlock256{TSelf}.Chunk"/>); batches meet it in tiles of four x rows, decoded in
/// registers below <see cref="UnpackedBatch"/> rows (a few users) and from a copy unpacked once per
/// call (<see cref="UnpackedBytes"/>) for larger batches (prompts).
/// </summary>
/// <remarks>
/// <para>One row (<c>DotPacked</c>), per block: Σ_k s_k·Σ_{n in k} q_n·x_n by vpmaddubsw (unsigned
/// q × signed x, pairs to int16: at most 2·63·127) and then vpdpwssd (AVX-VNNI: int16 pairs times the
/// sub-block scales, added to int32) or, without AVX-VNNI, vpmaddwd and an add; the minimums'
/// Σ_k m_k·(Σ x over k) is one vpmaddwd with the activations' sums per 16. Then, in float, d·d_x
/// times the first and −dmin·d_x times the second. Signed q (IQ4_XS) use |q| and x with q's sign
/// (vpsignb), as llama.cpp does. The 32 bytes of chunk c (weights 32c..32c+31) make 16 pair lanes:
/// lanes 0–7 belong to sub-block 2c and 8–15 to 2c+1; the block's 16 scales come evens in the low 128
/// bits, odds in the high (<see cref="EvensThenOdds"/>), so one vpshufb per chunk gives each lane its
/// scale.</para>
/// <para>Tiles (<c>Dot4Packed</c>, <c>Dot4</c>): the block's chunks are regrouped four at a time
/// (<see cref="Interleave"/>) so that dword lane l of four registers holds the 16 weights of one
/// sub-block, and x is kept in the same order, tile by tile and block by block
/// (<see cref="ByteActivations256.TileValues"/>). Four vpdpbusd (4 products per int32 lane, no
/// saturation) then sum eight sub-blocks whole, and their scales d·s_k are applied as one conversion
/// and one FMA per eight sub-blocks — per 32 weights and x row one vpdpbusd instead of the one-row
/// kernel's vpmaddubsw and vpdpwssd, and no scale shuffles. Sub-block sums stay below 2^24 (16·255·127),
/// so the conversion is exact. A last three rows make a tile with a zero fourth (three one-row passes
/// cost more); the one or two rows beyond the tiles take the one-row kernel.</para>
/// <para>Large batches: <see cref="RowChunk"/> weight rows are unpacked (384 bytes a block: 16 rows
/// of 2048 weights ≈ 48 KB) and meet <see cref="BatchChunk"/> rows of x at a time, so both stay in L2
/// while the weights are read from memory once per call. Unpacking costs about what four x rows' tile
/// does, so it pays only when many rows share it (2048×2048, one thread, busy machine, µs a token
/// decoded in registers against unpacked: Q4_K batch 4 53 against 117, batch 16 62 against 71, batch
/// 32 59 against 61; Q6_K batch 16 77 against 80, batch 32 74 against 67). Results of
/// <see cref="RowChunk"/> weight rows are gathered and written to y a run at a time: written one by
/// one, a batch's y rows (8 KB apart when rows = 2048) share one L1 set (batch 8: 64 → 56 µs a token).
/// Levels below Vector256 run the scalar reference <see cref="DotScalar{T}"/>, which reads the packed
/// blocks one weight at a time.</para>
/// </remarks>
internal static unsafe class ByteBlock256Kernels
{
    private const int Weights = 256;
    private const int RowChunk = 16;
    private const int BatchChunk = 64;
    private const int UnpackedBatch = 32; // from this batch size on, rows are unpacked once per call (see the remarks)

    [ThreadStatic] private static UnpackedBytes[]? t_unpacked;

    /// <summary>y[b, r] = Σ_c W[r, c]·x[b, c] for r in [rowStart, rowEnd); x is [batch, cols], y is
    /// [batch, rows]. <paramref name="vnni"/> false takes the kernels of a CPU without AVX-VNNI.
    /// <paramref name="quantizedX"/>, when given, is x already quantized at this level (shared by the
    /// threads of one product); otherwise this thread quantizes it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)] // optimized at first call, with its own inlining budget (README: kernel section)
    public static void Run<T>(T* w, int rows, int cols, ReadOnlySpan<float> x, int batch, float* y, int rowStart, int rowEnd,
        SimdLevel level, bool vnni = true, ByteActivations256? quantizedX = null)
        where T : unmanaged, IByteBlock256<T>
    {
        Debug.Assert(cols % Weights == 0);
        var count = cols / Weights;
        var activations = quantizedX;
        if (activations is null)
        {
            activations = ByteActivations256.ForCurrentThread();
            activations.Quantize(x, batch, cols, level);
        }
        Debug.Assert(activations.Rows == batch && activations.Cols == cols);
        if (level < SimdLevel.Vector256)
        {
            for (var r = rowStart; r < rowEnd; r++)
                for (var b = 0; b < batch; b++)
                    y[(long)b * rows + r] = DotScalar(w + (long)r * count, activations, b, count);
            return;
        }
        var useVnni = vnni && AvxVnni.IsSupported;
        // Base pointers, taken once per call: row b of x starts cols bytes, cols / 16 sums and count scales further on.
        var x0 = new BatchRows(activations, activations.TiledRows > 0, count);
        // Results of RowChunk weight rows gather here, [batch rows, RowChunk], and go to y a run of rows
        // at a time: written straight, a batch's y rows (often 8 KB apart) would all share one L1 set.
        var results = stackalloc float[BatchChunk * RowChunk];
        if (batch < UnpackedBatch)
        {
            var tiles = activations.TiledRows / ByteActivations256.TileRows; // a last tile of three rows padded to four
            for (var r0 = rowStart; r0 < rowEnd; r0 += RowChunk)
            {
                var n = Math.Min(RowChunk, rowEnd - r0);
                for (var k = 0; k < n; k++)
                {
                    var row = w + (long)(r0 + k) * count;
                    if (tiles > 0)
                    {
                        if (useVnni)
                            Dot4Packed<T, Vnni>(row, x0, tiles, results + k, RowChunk);
                        else
                            Dot4Packed<T, NoVnni>(row, x0, tiles, results + k, RowChunk);
                    }
                    for (var b = 4 * tiles; b < batch; b++)
                        results[b * RowChunk + k] = useVnni ? DotPacked<T, Vnni>(row, x0, b) : DotPacked<T, NoVnni>(row, x0, b);
                }
                CopyOut(results, 0, batch, n, y, rows, r0);
            }
            return;
        }
        var unpacked = Scratch(RowChunk * count);
        for (var r0 = rowStart; r0 < rowEnd; r0 += RowChunk)
        {
            var n = Math.Min(RowChunk, rowEnd - r0);
            for (var k = 0; k < n * count; k++)
                Unpack(w + (long)r0 * count + k, unpacked + k);
            for (var b0 = 0; b0 < batch; b0 += BatchChunk)
            {
                var b1 = Math.Min(b0 + BatchChunk, batch);
                var tiles = (b1 - b0) / 4;
                for (var k = 0; k < n; k++)
                {
                    if (useVnni)
                        Dot4<T, Vnni>(unpacked + k * count, x0, b0, tiles, results + k, RowChunk);
                    else
                        Dot4<T, NoVnni>(unpacked + k * count, x0, b0, tiles, results + k, RowChunk);
                    var packedRow = w + (long)(r0 + k) * count; // the last rows of a tile (fewer than four) read the file's blocks
                    for (var b = b0 + 4 * tiles; b < b1; b++)
                        results[(b - b0) * RowChunk + k] = useVnni ? DotPacked<T, Vnni>(packedRow, x0, b) : DotPacked<T, NoVnni>(packedRow, x0, b);
                }
                CopyOut(results, b0, b1, n, y, rows, r0);
            }
        }
    }

    // results[b − b0, k] → y[b, r0 + k] for b in [b0, b1), k < n.
    private static void CopyOut(float* results, int b0, int b1, int n, float* y, int rows, int r0)
    {
        for (var b = b0; b < b1; b++)
            new ReadOnlySpan<float>(results + (b - b0) * RowChunk, n).CopyTo(new Span<float>(y + (long)b * rows + r0, n));
    }

    // Where a batch's x rows live (ByteActivations256 from row 0), so the kernels find row b by arithmetic.
    private readonly struct BatchRows(ByteActivations256 x, bool tiled, int count)
    {
        private readonly sbyte* values = x.Values(0), tileValues = tiled ? x.TileValues(0) : null;
        private readonly short* sums = x.Sums(0);
        private readonly float* tileSums = tiled ? x.TileSums(0) : null;
        private readonly float* scales = x.Scales(0), tileScales = tiled ? x.TileScales(0) : null;
        public readonly int Count = count; // blocks of 256 per row
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public sbyte* Values(int b) => values + (long)b * Count * Weights;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public sbyte* TileValues(int t) => tileValues + (long)t * Count * 4 * Weights;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public float* TileSums(int t) => tileSums + (long)t * Count * 4 * (Weights / ByteActivations256.SumSize);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public float* TileScales(int t) => tileScales + (long)t * Count * 4;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public short* Sums(int b) => sums + (long)b * Count * (Weights / ByteActivations256.SumSize);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public float* Scales(int b) => scales + (long)b * Count;
    }

    /// <summary>The plain reference: Σ_blocks d_x·(d·Σ u_n·x_n − dmin·Σ m_n·x_n) with exact integer
    /// sums, the weights read one at a time from the packed block.</summary>
    public static float DotScalar<T>(T* w, ByteActivations256 x, int b, int count) where T : unmanaged, IByteBlock256<T>
    {
        var xq = x.Values(b);
        var xd = x.Scales(b);
        var sum = 0f;
        for (var i = 0; i < count; i++)
        {
            var block = w + i;
            var xb = xq + (long)i * Weights;
            long isum = 0, msum = 0;
            for (var n = 0; n < Weights; n++)
            {
                isum += T.WeightInteger(block, n) * xb[n];
                msum += T.MinInteger(block, n) * xb[n];
            }
            sum += xd[i] * (T.Scale(block) * isum - T.MinScale(block) * msum);
        }
        return sum;
    }

    /// <summary>Writes <paramref name="count"/> blocks as floats: d·WeightInteger − dmin·MinInteger.</summary>
    public static void Dequantize<T>(T* blocks, int count, float* destination) where T : unmanaged, IByteBlock256<T>
    {
        for (var i = 0; i < count; i++)
        {
            var block = blocks + i;
            var d = T.Scale(block);
            var dmin = T.MinScale(block);
            for (var n = 0; n < Weights; n++)
                destination[(long)i * Weights + n] = d * T.WeightInteger(block, n) - dmin * T.MinInteger(block, n);
        }
    }

    private static UnpackedBytes* Scratch(int blocks)
    {
        if (t_unpacked == null || t_unpacked.Length < blocks + 1)
            t_unpacked = GC.AllocateUninitializedArray<UnpackedBytes>(Math.Max(blocks + 1, 64), pinned: true);
        // 32-byte aligned (one spare block leaves room)
        return (UnpackedBytes*)(((nint)Unsafe.AsPointer(ref t_unpacked[0]) + 31) & ~(nint)31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Unpack<T>(T* block, UnpackedBytes* u) where T : unmanaged, IByteBlock256<T>
    {
        for (var half = 0; half < 2; half++)
        {
            Vector256<byte> q0 = T.Chunk(block, 4 * half), q1 = T.Chunk(block, 4 * half + 1), q2 = T.Chunk(block, 4 * half + 2), q3 = T.Chunk(block, 4 * half + 3);
            Interleave(ref q0, ref q1, ref q2, ref q3);
            q0.Store(u->Q + 128 * half);
            q1.Store(u->Q + 128 * half + 32);
            q2.Store(u->Q + 128 * half + 64);
            q3.Store(u->Q + 128 * half + 96);
        }
        var scales = T.SubScales(block, out var mins);
        var d = T.Scale(block);
        FloatScales(LowScales(scales), d).Store(u->Scales);
        FloatScales(HighScales(scales), d).Store(u->Scales + 8);
        FloatMins(mins, T.KernelMinScale(block), out var low, out var high);
        low.Store(u->Mins);
        high.Store(u->Mins + 8);
    }

    /// <summary>Each byte's bits moved left by <paramref name="by"/> (right if negative) with one 16-bit
    /// shift: the bits that cross into the neighbouring byte fall outside the caller's mask. Callers
    /// pass constants, so the branch folds away.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> ShiftBits(Vector256<byte> v, int by) => by switch
    {
        0 => v,
        > 0 => Vector256.ShiftLeft(v.AsUInt16(), by).AsByte(),
        _ => Vector256.ShiftRightLogical(v.AsUInt16(), -by).AsByte(),
    };

    /// <summary>s0..s15 → s0, s2, …, s14 | s1, s3, …, s15 (vpshufb within each half, then vpermq), so
    /// chunk c finds its two sub-blocks' scales at bytes 2c, 2c+1 of each half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> EvensThenOdds(Vector256<short> scales)
    {
        var order = Vector256.Create((byte)0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15,
            0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
        return Avx2.Permute4x64(Avx2.Shuffle(scales.AsByte(), order).AsUInt64(), 0b11_01_10_00).AsInt16();
    }

    /// <summary>Regroups the dwords of chunks c..c+3 (c = 0 or 4) so that dword lane l of every
    /// result holds one sub-block: lanes 0–3 sub-blocks 2c, 2c+2, 2c+4, 2c+6 and lanes 4–7 sub-blocks
    /// 2c+1, …, 2c+7 (each chunk's low and high 16 bytes), the result j holding their dword j (four
    /// in-lane 32-bit and four 64-bit unpacks; <see cref="InterleavedIndex"/> is the same map).
    /// vpdpbusd over the four results then sums each lane's sub-block whole, so its scale is
    /// multiplied in once per sub-block (see the remarks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Interleave(ref Vector256<byte> a, ref Vector256<byte> b, ref Vector256<byte> c, ref Vector256<byte> d)
    {
        var ab0 = Avx2.UnpackLow(a.AsInt32(), b.AsInt32()).AsInt64(); // a0 b0 a1 b1 | a4 b4 a5 b5
        var ab1 = Avx2.UnpackHigh(a.AsInt32(), b.AsInt32()).AsInt64(); // a2 b2 a3 b3 | a6 b6 a7 b7
        var cd0 = Avx2.UnpackLow(c.AsInt32(), d.AsInt32()).AsInt64();
        var cd1 = Avx2.UnpackHigh(c.AsInt32(), d.AsInt32()).AsInt64();
        a = Avx2.UnpackLow(ab0, cd0).AsByte(); // a0 b0 c0 d0 | a4 b4 c4 d4
        b = Avx2.UnpackHigh(ab0, cd0).AsByte();
        c = Avx2.UnpackLow(ab1, cd1).AsByte();
        d = Avx2.UnpackHigh(ab1, cd1).AsByte();
    }

    /// <summary>The reference of <see cref="Interleave"/> over a whole block: the natural index of the
    /// byte at position <paramref name="p"/> (0..255) of the interleaved block.</summary>
    public static int InterleavedIndex(int p)
    {
        int vector = p / 32, lane = p % 32 / 4, chunk = 4 * (vector / 4) + lane % 4;
        return 32 * chunk + 16 * (lane / 4) + 4 * (vector % 4) + p % 4;
    }

    // The 16 scales (evens then odds) as int32 in the lane order of Interleave: chunks 0–3 (s0, s2,
    // s4, s6 | s1, s3, s5, s7), and chunks 4–7 (s8, …, s14 | s9, …, s15).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> LowScales(Vector256<short> scales) => Avx2.ShiftRightArithmetic(Avx2.UnpackLow(scales, scales).AsInt32(), 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> HighScales(Vector256<short> scales) => Avx2.ShiftRightArithmetic(Avx2.UnpackHigh(scales, scales).AsInt32(), 16);

    private interface IPairAdd
    {
        /// <summary>sums + the pairs times their scales, adjacent products added (vpdpwssd).</summary>
        static abstract Vector256<int> Add(Vector256<int> sums, Vector256<short> pairs, Vector256<short> scales);

        /// <summary>sums + Σ of each four q·x, unsigned q times signed x (vpdpbusd).</summary>
        static abstract Vector256<int> Dot(Vector256<int> sums, Vector256<byte> q, Vector256<sbyte> x);
    }

    private readonly struct Vnni : IPairAdd
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Add(Vector256<int> sums, Vector256<short> pairs, Vector256<short> scales) =>
            AvxVnni.MultiplyWideningAndAdd(sums, pairs, scales);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Dot(Vector256<int> sums, Vector256<byte> q, Vector256<sbyte> x) =>
            AvxVnni.MultiplyWideningAndAdd(sums, q, x);
    }

    private readonly struct NoVnni : IPairAdd
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Add(Vector256<int> sums, Vector256<short> pairs, Vector256<short> scales) =>
            sums + Avx2.MultiplyAddAdjacent(pairs, scales);

        // vpmaddubsw does not saturate here: q is at most 63, or |q| ≤ 127 against x of the same sign as q·x
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Dot(Vector256<int> sums, Vector256<byte> q, Vector256<sbyte> x) =>
            sums + Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, x), Vector256<short>.One);
    }

    // Chunk c of a block (its 32 q in qv): vpmaddubsw, then the pair sums times their sub-block's scale into int32.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Chunk<T, TAdd>(Vector256<int> sums, Vector256<byte> qv, sbyte* x, Vector256<byte> scales, int c)
        where T : unmanaged, IByteBlock256<T> where TAdd : IPairAdd
    {
        var xv = Vector256.Load(x + 32 * c);
        Vector256<short> pairs;
        if (T.SignedBytes)
            pairs = Avx2.MultiplyAddAdjacent(Avx2.Abs(qv.AsSByte()), Avx2.Sign(xv, qv.AsSByte()));
        else
            pairs = Avx2.MultiplyAddAdjacent(qv, xv);
        var pick = Vector256.Create((short)(0x0100 + 0x0202 * c)).AsByte(); // bytes 2c, 2c+1 of each half
        return TAdd.Add(sums, pairs, Avx2.Shuffle(scales, pick).AsInt16());
    }

    // One x row against four interleaved weight vectors q0..q3 (x at the same 128 interleaved bytes):
    // each lane's sub-block summed whole by vpdpbusd, then as a float times its d·s_k into t.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Group<T, TAdd>(Vector256<float> t, Vector256<byte> q0, Vector256<byte> q1, Vector256<byte> q2, Vector256<byte> q3,
        Vector256<float> scales, sbyte* x)
        where T : unmanaged, IByteBlock256<T> where TAdd : IPairAdd
    {
        var dot = Dot<T, TAdd>(Vector256<int>.Zero, q0, x);
        dot = Dot<T, TAdd>(dot, q1, x + 32);
        dot = Dot<T, TAdd>(dot, q2, x + 64);
        dot = Dot<T, TAdd>(dot, q3, x + 96);
        return Fma.MultiplyAdd(Avx.ConvertToVector256Single(dot), scales, t);
    }

    // One block of one x row in a tile: t (Group's sums) times the row's scale d_x, plus the minimums
    // −dmin·m_k (low: k = 0..7, high: 8..15) times the row's d_x·Σx per 16 (ByteActivations256.TileSums).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Finish<T>(Vector256<float> acc, Vector256<float> t, Vector256<float> minsLow, Vector256<float> minsHigh,
        float* xSums, float* xScale) where T : unmanaged, IByteBlock256<T>
    {
        acc = Fma.MultiplyAdd(t, Vector256.Create(*xScale), acc);
        if (!T.HasMins)
            return acc;
        acc = Fma.MultiplyAdd(minsLow, Vector256.Load(xSums), acc);
        return Fma.MultiplyAdd(minsHigh, Vector256.Load(xSums + 8), acc);
    }

    // −dmin·m_k as floats, k = 0..7 and 8..15.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FloatMins(Vector256<short> mins, float dmin, out Vector256<float> low, out Vector256<float> high)
    {
        var negative = Vector256.Create(-dmin);
        low = Vector256.ConvertToSingle(Vector256.WidenLower(mins)) * negative;
        high = Vector256.ConvertToSingle(Vector256.WidenUpper(mins)) * negative;
    }

    // d·s_k as floats in the lane order of Interleave (LowScales, HighScales).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> FloatScales(Vector256<int> scales, float d) => Avx.ConvertToVector256Single(scales) * Vector256.Create(d);

    // Signed q (IQ4_XS): |q| against x with q's sign.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dot<T, TAdd>(Vector256<int> sums, Vector256<byte> q, sbyte* x)
        where T : unmanaged, IByteBlock256<T> where TAdd : IPairAdd =>
        T.SignedBytes
            ? TAdd.Dot(sums, Avx2.Abs(q.AsSByte()), Avx2.Sign(Vector256.Load(x), q.AsSByte()))
            : TAdd.Dot(sums, q, *(Vector256<sbyte>*)x);

    // Adds one block's integer sums of one x row times d·d_x, and its minimums' Σ_k m_k·(Σx over k)
    // times −dmin·d_x, to the row's float accumulator.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Accumulate<T>(Vector256<float> acc, Vector256<int> sums, Vector256<short> mins, float d, float dmin,
        short* xSums, float xScale) where T : unmanaged, IByteBlock256<T>
    {
        acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums), Vector256.Create(d * xScale), acc);
        if (!T.HasMins)
            return acc;
        var minSums = Avx2.MultiplyAddAdjacent(mins, Vector256.Load(xSums));
        return Fma.MultiplyAdd(Avx.ConvertToVector256Single(minSums), Vector256.Create(-dmin * xScale), acc);
    }

    // One weight row against the x rows of tiles b0 / 4 .. b0 / 4 + tiles − 1 (prompts and large
    // batches), its blocks unpacked: y[b · yStride] = row · x_{b0+b}.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)] // optimized at first call, with its own inlining budget (README: kernel section)
    private static void Dot4<T, TAdd>(UnpackedBytes* row, BatchRows x, int b0, int tiles, float* y, int yStride)
        where T : unmanaged, IByteBlock256<T> where TAdd : IPairAdd
    {
        for (var t = b0 / 4; t < b0 / 4 + tiles; t++, y += 4 * yStride)
        {
            var xq = x.TileValues(t);
            var xs = x.TileSums(t);
            var xd = x.TileScales(t);
            Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
            var u = row;
            for (var i = 0; i < x.Count; i++, u++, xq += 4 * Weights, xs += 4 * SumsPerBlock, xd += 4)
            {
                Vector256<byte> q0 = Vector256.Load(u->Q), q1 = Vector256.Load(u->Q + 32), q2 = Vector256.Load(u->Q + 64), q3 = Vector256.Load(u->Q + 96);
                var scales = Vector256.Load(u->Scales);
                var s0 = Group<T, TAdd>(default, q0, q1, q2, q3, scales, xq);
                var s1 = Group<T, TAdd>(default, q0, q1, q2, q3, scales, xq + Weights);
                var s2 = Group<T, TAdd>(default, q0, q1, q2, q3, scales, xq + 2 * Weights);
                var s3 = Group<T, TAdd>(default, q0, q1, q2, q3, scales, xq + 3 * Weights);
                (q0, q1, q2, q3) = (Vector256.Load(u->Q + 128), Vector256.Load(u->Q + 160), Vector256.Load(u->Q + 192), Vector256.Load(u->Q + 224));
                scales = Vector256.Load(u->Scales + 8);
                s0 = Group<T, TAdd>(s0, q0, q1, q2, q3, scales, xq + 128);
                s1 = Group<T, TAdd>(s1, q0, q1, q2, q3, scales, xq + Weights + 128);
                s2 = Group<T, TAdd>(s2, q0, q1, q2, q3, scales, xq + 2 * Weights + 128);
                s3 = Group<T, TAdd>(s3, q0, q1, q2, q3, scales, xq + 3 * Weights + 128);
                Vector256<float> minsLow = Vector256.Load(u->Mins), minsHigh = Vector256.Load(u->Mins + 8);
                f0 = Finish<T>(f0, s0, minsLow, minsHigh, xs, xd);
                f1 = Finish<T>(f1, s1, minsLow, minsHigh, xs + SumsPerBlock, xd + 1);
                f2 = Finish<T>(f2, s2, minsLow, minsHigh, xs + 2 * SumsPerBlock, xd + 2);
                f3 = Finish<T>(f3, s3, minsLow, minsHigh, xs + 3 * SumsPerBlock, xd + 3);
            }
            Store4(y, yStride, f0, f1, f2, f3);
        }
    }

    private const int SumsPerBlock = Weights / ByteActivations256.SumSize;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(float* y, int yStride, Vector256<float> f0, Vector256<float> f1, Vector256<float> f2, Vector256<float> f3)
    {
        y[0] = Vector256.Sum(f0);
        y[yStride] = Vector256.Sum(f1);
        y[2 * yStride] = Vector256.Sum(f2);
        y[3 * yStride] = Vector256.Sum(f3);
    }

    // One weight row against x row b (generation, and the last rows of a batch's tile), each block decoded
    // straight from the file into registers (T.Chunk), so no unpacked copy is written and read back.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)] // optimized at first call, with its own inlining budget (README: kernel section)
    private static float DotPacked<T, TAdd>(T* w, BatchRows x, int b)
        where T : unmanaged, IByteBlock256<T> where TAdd : IPairAdd
    {
        var count = x.Count;
        var xq = x.Values(b);
        var xd = x.Scales(b);
        var xs = x.Sums(b);
        var acc = Vector256<float>.Zero;
        for (var i = 0; i < count; i++, xq += Weights, xs += Weights / ByteActivations256.SumSize)
        {
            var block = w + i;
            var scales = T.SubScales(block, out var mins).AsByte();
            var s0 = Chunk<T, TAdd>(Vector256<int>.Zero, T.Chunk(block, 0), xq, scales, 0);
            var s1 = Chunk<T, TAdd>(Vector256<int>.Zero, T.Chunk(block, 1), xq, scales, 1);
            s0 = Chunk<T, TAdd>(s0, T.Chunk(block, 2), xq, scales, 2);
            s1 = Chunk<T, TAdd>(s1, T.Chunk(block, 3), xq, scales, 3);
            s0 = Chunk<T, TAdd>(s0, T.Chunk(block, 4), xq, scales, 4);
            s1 = Chunk<T, TAdd>(s1, T.Chunk(block, 5), xq, scales, 5);
            s0 = Chunk<T, TAdd>(s0, T.Chunk(block, 6), xq, scales, 6);
            s1 = Chunk<T, TAdd>(s1, T.Chunk(block, 7), xq, scales, 7);
            acc = Accumulate<T>(acc, s0 + s1, mins, T.Scale(block), T.KernelMinScale(block), xs, xd[i]);
        }
        return Vector256.Sum(acc);
    }

    // One weight row against the x rows of tiles 0..tiles − 1 of a small batch: each block decoded into
    // registers and interleaved once per tile of four rows.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)] // optimized at first call, with its own inlining budget (README: kernel section)
    private static void Dot4Packed<T, TAdd>(T* w, BatchRows x, int tiles, float* y, int yStride)
        where T : unmanaged, IByteBlock256<T> where TAdd : IPairAdd
    {
        for (var t = 0; t < tiles; t++, y += 4 * yStride)
        {
            var xq = x.TileValues(t);
            var xs = x.TileSums(t);
            var xd = x.TileScales(t);
            Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
            for (var i = 0; i < x.Count; i++, xq += 4 * Weights, xs += 4 * SumsPerBlock, xd += 4)
            {
                var block = w + i;
                var subScales = T.SubScales(block, out var mins);
                Vector256<byte> q0 = T.Chunk(block, 0), q1 = T.Chunk(block, 1), q2 = T.Chunk(block, 2), q3 = T.Chunk(block, 3);
                Interleave(ref q0, ref q1, ref q2, ref q3);
                var d = T.Scale(block);
                var scales = FloatScales(LowScales(subScales), d);
                var s0 = Group<T, TAdd>(default, q0, q1, q2, q3, scales, xq);
                var s1 = Group<T, TAdd>(default, q0, q1, q2, q3, scales, xq + Weights);
                var s2 = Group<T, TAdd>(default, q0, q1, q2, q3, scales, xq + 2 * Weights);
                var s3 = Group<T, TAdd>(default, q0, q1, q2, q3, scales, xq + 3 * Weights);
                (q0, q1, q2, q3) = (T.Chunk(block, 4), T.Chunk(block, 5), T.Chunk(block, 6), T.Chunk(block, 7));
                Interleave(ref q0, ref q1, ref q2, ref q3);
                scales = FloatScales(HighScales(subScales), d);
                s0 = Group<T, TAdd>(s0, q0, q1, q2, q3, scales, xq + 128);
                s1 = Group<T, TAdd>(s1, q0, q1, q2, q3, scales, xq + Weights + 128);
                s2 = Group<T, TAdd>(s2, q0, q1, q2, q3, scales, xq + 2 * Weights + 128);
                s3 = Group<T, TAdd>(s3, q0, q1, q2, q3, scales, xq + 3 * Weights + 128);
                Vector256<float> minsLow = default, minsHigh = default;
                if (T.HasMins)
                    FloatMins(mins, T.KernelMinScale(block), out minsLow, out minsHigh);
                f0 = Finish<T>(f0, s0, minsLow, minsHigh, xs, xd);
                f1 = Finish<T>(f1, s1, minsLow, minsHigh, xs + SumsPerBlock, xd + 1);
                f2 = Finish<T>(f2, s2, minsLow, minsHigh, xs + 2 * SumsPerBlock, xd + 2);
                f3 = Finish<T>(f3, s3, minsLow, minsHigh, xs + 3 * SumsPerBlock, xd + 3);
            }
            Store4(y, yStride, f0, f1, f2, f3);
        }
    }
}
