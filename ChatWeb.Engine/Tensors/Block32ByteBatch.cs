using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// The matrix product for the 32-weight types (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL) at batch ≥
/// <see cref="MinBatch"/> and for Q4_K, Q5_K, Q6_K, Q3_K, IQ4_XS at batch ≥ <see cref="MinBatch256"/>, on CPUs
/// with AVX-VNNI (at the 512-bit level; elsewhere <see cref="Block32FloatBatch"/>, the int16
/// kernels, <see cref="ByteBlock32Kernels"/> or <see cref="ByteBlock256Kernels"/>): x is
/// quantized to 8 bits per 32 values in tiles of eight batch rows (<see cref="TiledByteActivations"/>)
/// and meets the weights, decoded to bytes in 32-weight blocks once per call, in vpdpbusd.
/// </summary>
/// <remarks>
/// <para>vpdpbusd multiplies 32 unsigned bytes by 32 signed bytes and adds each group of four
/// products to one of eight int32 lanes. Here the lanes are the eight x rows of a tile: four weights
/// of one weight row (a dword of its decoded block) are broadcast to all lanes and meet the tile's
/// vector g, which holds x bytes 4g..4g+3 of each of the eight rows. After a block's eight such
/// instructions one register holds the block's integer dot product for eight x rows — no horizontal
/// sums. One conversion and one FMA per block then add it, times weight scale · x scales, to eight
/// outputs. Four weight rows meet two tiles at once (<c>Dot4x2</c>: each broadcast weight dword
/// serves sixteen x rows, each x vector four weight rows; eight independent vpdpbusd chains, 0.75
/// loads per vpdpbusd); a last odd tile takes <c>Dot4</c> (four rows, one tile), rows left over
/// after the groups of four <c>Dot1</c>. The 4 × 8 results of a full tile are transposed in
/// registers and stored four floats per x row.</para>
/// <para>Decoding: a chunk of <see cref="RowChunk"/> weight rows is decoded once per call into
/// unsigned bytes q' (weight = d·(q' − offset) + m), float scales d and minimums m, and then meets
/// every tile of x from L1/L2: at batch 512 each block is decoded once instead of 64 times, and the
/// inner loop is a broadcast load and a vpdpbusd per four weights for every type. q': Q8_0 q + 128,
/// Q4_0 the stored nibble (offset 8), Q5_0 the 5-bit q (offset 16), IQ4_NL the table level + 128,
/// Q4_1/Q5_1 q with offset 0 and the minimum m. The sums start at −offset·Σx per x row and block
/// (Σx kept with the tile), which takes the offset back out exactly; m adds m·d_x·Σx per block.</para>
/// <para>The 256-weight types Q4_K and Q5_K are eight such blocks each, shaped as Q4_1/Q5_1: per 32
/// weights d = d_block·scale_j and m = −dmin·min_j (the 6-bit packed scales unpacked by
/// <see cref="Q4_K.SixBitScales"/>), q' the 4- or 5-bit q (<see cref="IByteBlock256{TSelf}.Chunk"/>);
/// IQ4_XS is IQ4_NL-shaped with d·scale_j per 32. Q6_K and Q3_K have a signed scale per 16 weights:
/// q' is the stored q (offset 32; Q3_K low + 4·high, offset 4), d two floats per block, and each
/// block's sums are kept as two halves (x's Σ over each block's first 16 values is kept with the
/// tile), each converted and scaled on its own. Decoding a K block costs less than one 32-weight block
/// of Q4_1 per 32 weights (2048×2048 Q4_K at batch 8: ~10 µs per token, Q6_K ~14). Below seven rows
/// their own kernels stay cheaper (<see cref="MinBatch256"/>), and Q2_K (a minimum per 16
/// weights) keeps <see cref="ByteBlock256Kernels"/>. x rounds per 32
/// values here and per 256 there, so a K-type sequence's logits alone and in a batch of seven or more differ
/// by that rounding (as Q8_0's do).</para>
/// <para>Results differ from the float path by the 8-bit rounding of x (llama.cpp rounds its batch
/// activations the same way): a few 1e-3 of Σ|w·x| at worst on random data. A batch that is not a
/// multiple of eight is padded to one with zero rows, whose lanes are computed and dropped.</para>
/// <para>Measured on this project's 2-core AMD EPYC (Zen 5), one thread (<see cref="MatMulBenchmark"/>;
/// busy shared machine, so best-of figures): Q8_0 4864×896 at batch 8 about 400 µs per call from
/// memory (the float path ~900 µs, batch 1 ~250 µs). With the weights in cache, 1024×896 Q4_0 at
/// batch 256 runs at 100–128 GMAC/s (Dot4 alone: 85–95). From memory at batch 512, 4864×896 Q5_0
/// went from 150–160 µs per token (the one-weight-row-by-four-x-rows kernel of
/// <see cref="ByteBlock32Kernels"/>) to 35–40, and Q4_0 from 43–45 (decoded in the loop for every
/// tile) to about 38. Prefetching the next chunk of rows while the first tiles meet this one took
/// Q8_0 batch 8 from about 550 to 350 µs. 2048×2048 from memory, µs per token, the 256-weight
/// kernels → here (alternated, load ~5): Q4_K batch 8 56 → 52, 16 61 → 35, 64 53 → 32, 512 55 → 32;
/// Q5_K 8 62 → 60, 64 53 → 32, 512 53 → 32; Q6_K 8 64 → 55, 64 55 → 34, 512 62 → 34. A single tile (<c>Dot4</c>, batch 8) runs at about two thirds of
/// <c>Dot4x2</c>'s speed per tile: each broadcast weight dword meets one x vector instead of two (an
/// eight-row <c>Dot8</c> in its place was slower still: its eight row pointers spill). For the types with one scale
/// per 32 weights such a tile takes <c>Dot4Paired</c>: its x laid out once per call so that one 64-bit broadcast
/// (two dwords of a row) meets two x vectors, a vphaddd per block putting the rows back in order
/// (`bench-serve --clients 8 --threads 2`, alternated three times: Q8_0 149.0/149.7/167.0 → 153.6/155.9/176.2 total
/// tok/s, Q4_K_M 76.3/75.3/74.4 → 75.2/80.5/76.2). With one tile in all
/// (batch ≤ 8) Q8_0, Q4_0, Q4_1 and IQ4_NL skip the decoding: their rows are read in place, each 64-bit broadcast
/// made q' in registers (Q8_0 an XOR; the nibble types a mask or a shift and a mask, IQ4_NL then its table).
/// 4864×896 at batch 8, from memory, alternated three times, µs per call decoded → in place: Q8_0 395–531 → 284–296
/// (896×4864: 498–517 → 334–370), Q4_0 380–392 → 278–290, Q4_1 590–612 → 308–325, IQ4_NL 432–441 → 374–382.
/// Not kept: the K types read so (each 256-weight block decoded to the stack: their scales must be unpacked either
/// way) gained 4–10%, and two tiles read in place (one kernel of two rows × both tiles, or a pass per tile) were no
/// faster than Dot4x2 on the decoded rows (Q8_0 batch 16: 610–644 µs decoded, 635–756 in place).</para>
/// </remarks>
internal static unsafe class Block32ByteBatch
{
    /// <summary>The smallest batch that takes this path. A batch pads to eight rows, so batch 2 costs
    /// what batch 8 does, and still beats the int16 kernels: `bench-serve --clients 2` on the
    /// Qwen2.5-0.5B-shaped Q8_0 file (2 threads, busy machine, three runs each) gave 37.9–41.2 total
    /// tok/s with MinBatch 2 against 32.8–34.9 with 3.</summary>
    public const int MinBatch = 2;

    /// <summary>The smallest batch of the 256-weight types that takes this path: up to six rows their
    /// own batch kernels (<see cref="ByteBlock256Kernels"/>) cost no more than a padded tile; seven they ran as
    /// a group of four and three single rows, which cost more. 2048×2048, one thread, from memory, µs per call
    /// (<see cref="MatMulBenchmark"/>, median, alternated twice): Q4_K there 332–381 at batch 5, 432–463 at 6,
    /// 518–570 at 7; a padded tile 408–454 at 6, 7 or 8. Q6_K there 366–403, 468–507, 584–803; a padded tile
    /// 458–507. Serving the Llama-1B-shaped Q4_K_M file on two threads (`bench-serve`, alternated): seven clients
    /// 48.4/55.3 → 63.4/61.5 tok/s with the padded tile, six 54.4–59.3 → 50.5–57.3 (five runs; the two threads share
    /// one core's vector units, and a padded tile computes eight rows). Batch 4: Q4_K ~52 µs per token there, ~108
    /// padded. Since their last three rows make a padded group of four too, seven costs about the same on either
    /// path (Q4_K 545–764 there, 435–649 here, noisy host).</summary>
    public const int MinBatch256 = 7;

    private const int Weights = 32;
    private const int Tile = TiledByteActivations.Tile;
    private const int TileBlockBytes = Tile * Weights;
    private const int RowChunk = 16;  // weight rows decoded together, then met by every tile (16 × 4864 weights ≈ 78 KB of bytes, in L2)

    [ThreadStatic] private static byte[]? t_bytes;
    [ThreadStatic] private static float[]? t_scales;
    [ThreadStatic] private static sbyte[]? t_paired;

    public static bool IsSupported => AvxVnni.IsSupported;

    /// <summary>Whether a product takes this path; <paramref name="vnni"/> false asks for the kernels
    /// of a CPU without AVX-VNNI (tests run that fallback on any machine).</summary>
    public static bool Applies<T>(int batch, SimdLevel level, bool vnni = true) where T : unmanaged =>
        vnni && IsSupported && batch >= (IsK<T>() ? MinBatch256 : MinBatch) && level == SimdLevel.Vector512 && Decodes<T>();

    public static bool Applies(GgmlType type, int batch, SimdLevel level) => type switch
    {
        GgmlType.Q8_0 => Applies<Q8_0>(batch, level),
        GgmlType.Q4_0 => Applies<Q4_0>(batch, level),
        GgmlType.Q4_1 => Applies<Q4_1>(batch, level),
        GgmlType.Q5_0 => Applies<Q5_0>(batch, level),
        GgmlType.Q5_1 => Applies<Q5_1>(batch, level),
        GgmlType.IQ4_NL => Applies<IQ4_NL>(batch, level),
        GgmlType.Q4_K => Applies<Q4_K>(batch, level),
        GgmlType.Q5_K => Applies<Q5_K>(batch, level),
        GgmlType.Q6_K => Applies<Q6_K>(batch, level),
        GgmlType.Q3_K => Applies<Q3_K>(batch, level),
        GgmlType.IQ4_XS => Applies<IQ4_XS>(batch, level),
        _ => false,
    };

    // The types this path decodes: the 32-weight types, and the 256-weight types whose blocks are
    // eight such blocks with their own scales (Q4_K, Q5_K: each 32 weights as Q4_1/Q5_1; IQ4_XS as
    // IQ4_NL; Q6_K, Q3_K: a scale per 16 weights).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Decodes<T>() =>
        typeof(T) == typeof(Q8_0) || typeof(T) == typeof(Q4_0) || typeof(T) == typeof(Q4_1) ||
        typeof(T) == typeof(Q5_0) || typeof(T) == typeof(Q5_1) || typeof(T) == typeof(IQ4_NL) || IsK<T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsK<T>() =>
        typeof(T) == typeof(Q4_K) || typeof(T) == typeof(Q5_K) || typeof(T) == typeof(Q6_K) || typeof(T) == typeof(Q3_K) || typeof(T) == typeof(IQ4_XS);

    // 32-weight blocks per block of T.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Parts<T>() => IsK<T>() ? 256 / Weights : 1;

    // Whether each decoded block has two scales, one per 16 weights (Q6_K, Q3_K), instead of one.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HalfScales<T>() => typeof(T) == typeof(Q6_K) || typeof(T) == typeof(Q3_K);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ScalesPerBlock<T>() => HalfScales<T>() ? 2 : 1;

    // What the decoded bytes carry on top of the signed weight, as a shift (offset 2^Shift; Q4_1/Q5_1/Q4_K/Q5_K none).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int OffsetShift<T>() =>
        typeof(T) == typeof(Q8_0) || typeof(T) == typeof(IQ4_NL) || typeof(T) == typeof(IQ4_XS) ? 7 : typeof(T) == typeof(Q4_0) ? 3 :
        typeof(T) == typeof(Q5_0) ? 4 : typeof(T) == typeof(Q6_K) ? 5 : typeof(T) == typeof(Q3_K) ? 2 : -1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasMin<T>() => typeof(T) == typeof(Q4_1) || typeof(T) == typeof(Q5_1) || typeof(T) == typeof(Q4_K) || typeof(T) == typeof(Q5_K);

    /// <summary>y[b, r] = Σ_c W[r, c]·x[b, c] for r in [rowStart, rowEnd); x is [batch, cols], y is [batch, rows].
    /// <paramref name="quantizedX"/>, when given, is x already quantized; otherwise this thread quantizes it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)] // optimized at first call, with its own inlining budget (README: kernel section)
    public static void Run<T>(T* w, int rows, int cols, ReadOnlySpan<float> x, int batch, float* y, int rowStart, int rowEnd,
        TiledByteActivations? quantizedX = null)
        where T : unmanaged, IQuantizedBlock<T>
    {
        Debug.Assert(cols % (Weights * Parts<T>()) == 0 && IsSupported && Decodes<T>());
        var count = cols / Weights;              // decoded 32-weight blocks per row
        var blocks = count / Parts<T>();         // blocks of T per row
        var step = 4 * sizeof(T) / Parts<T>();   // bytes of four packed rows per decoded block (prefetch)
        var scalesPerRow = ScalesPerBlock<T>() * count;
        var activations = quantizedX;
        if (activations is null)
        {
            activations = TiledByteActivations.ForCurrentThread();
            activations.Quantize(x, batch, cols, SimdLevel.Vector256);
        }
        Debug.Assert(activations.Batch == batch && activations.Cols == cols);
        var bytes = Scratch(ref t_bytes, RowChunk * count * Weights);
        var scales = Scratch(ref t_scales, 3 * RowChunk * count);
        var results = stackalloc float[2 * 4 * Tile];
        // A tile met alone (batch 8, or the last of an odd count) takes Dot4Paired where its types allow: x laid out once per call.
        var lone = activations.Tiles % 2 == 1 && !HalfScales<T>() ? activations.Tiles - 1 : -1;
        var paired = lone < 0 ? null : Scratch(ref t_paired, count * TileBlockBytes);
        fixed (byte* q = bytes)
        fixed (float* d = scales)
        fixed (sbyte* xp = paired) // null when no tile is alone
        {
            if (xp != null)
                Pair(activations.Values(lone), count, xp);
            var m = d + 2 * RowChunk * count;
            if (ReadsInPlace<T>() && activations.Tiles == 1)
            {
                // One tile (batch ≤ 8): each decoded block would be read once, so the rows are read in place, four
                // at a time (the rows left over go through the decoding loop below).
                var fourRows = 4 * count * sizeof(T);
                for (; rowStart + 4 <= rowEnd; rowStart += 4)
                {
                    var first = (byte*)(w + (long)rowStart * count);
                    Dot4PairedInPlace<T>(first, count, activations, xp, results, rowStart + 8 <= rowEnd ? first + fourRows : null);
                    Store4(results, batch, y + rowStart, rows);
                }
            }
            for (var r0 = rowStart; r0 < rowEnd; r0 += RowChunk)
            {
                var n = Math.Min(RowChunk, rowEnd - r0);
                T* chunk = w + (long)r0 * blocks;
                Decode(chunk, n * blocks, q, d, m);
                for (var t = 0; t < activations.Tiles; t += 2)
                {
                    var tiles = Math.Min(2, activations.Tiles - t); // two tiles at a time, a last odd one alone
                    // While the first tiles meet this chunk, the next chunk's rows are prefetched.
                    var next = t == 0 && r0 + RowChunk < rowEnd ? (byte*)(chunk + (long)RowChunk * blocks) : null;
                    var k = 0;
                    for (; k + 4 <= n; k += 4)
                    {
                        var prefetch = next == null ? null : next + (long)k * blocks * sizeof(T);
                        if (tiles == 2)
                            Dot4x2<T>(q + k * count * Weights, count, d + k * scalesPerRow, m + k * count, activations, t, results, prefetch, step);
                        else if (t == lone)
                            Dot4Paired<T>(q + k * count * Weights, count, d + k * scalesPerRow, m + k * count, activations, t, xp, results, prefetch, step);
                        else
                            Dot4<T>(q + k * count * Weights, count, d + k * scalesPerRow, m + k * count, activations, t, results, prefetch, step);
                        for (var u = 0; u < tiles; u++)
                            Store4(results + u * 4 * Tile, Math.Min(Tile, batch - (t + u) * Tile), y + (long)(t + u) * Tile * rows + r0 + k, rows);
                    }
                    for (; k < n; k++)
                        for (var u = t; u < t + tiles; u++)
                        {
                            Dot1<T>(q + k * count * Weights, count, d + k * scalesPerRow, m + k * count, activations, u, results);
                            Store1(results, Math.Min(Tile, batch - u * Tile), y + (long)u * Tile * rows + r0 + k, rows);
                        }
                }
                // (the next tile reads the same decoded rows again, from L1/L2)
            }
        }
    }

    // results [weight row j < 4, x row k] → y[(tile row k) · rows + j]: a full tile's 4 × 8 block is
    // transposed in registers and stored as four floats per x row; a last partial tile goes one by one.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(float* results, int live, float* y, int rows)
    {
        if (live < Tile)
        {
            for (var j = 0; j < 4; j++)
                Store1(results + j * Tile, live, y + j, rows);
            return;
        }
        var f0 = Vector256.Load(results);
        var f1 = Vector256.Load(results + Tile);
        var f2 = Vector256.Load(results + 2 * Tile);
        var f3 = Vector256.Load(results + 3 * Tile);
        var t0 = Avx.UnpackLow(f0, f1);  // weight rows 0, 1 of x rows 0, 1 | 4, 5
        var t1 = Avx.UnpackHigh(f0, f1); // x rows 2, 3 | 6, 7
        var t2 = Avx.UnpackLow(f2, f3);  // weight rows 2, 3
        var t3 = Avx.UnpackHigh(f2, f3);
        var r04 = Avx.Shuffle(t0, t2, 0x44); // weight rows 0..3 of x row 0 | x row 4
        var r15 = Avx.Shuffle(t0, t2, 0xEE);
        var r26 = Avx.Shuffle(t1, t3, 0x44);
        var r37 = Avx.Shuffle(t1, t3, 0xEE);
        r04.GetLower().Store(y);
        r15.GetLower().Store(y + rows);
        r26.GetLower().Store(y + 2L * rows);
        r37.GetLower().Store(y + 3L * rows);
        r04.GetUpper().Store(y + 4L * rows);
        r15.GetUpper().Store(y + 5L * rows);
        r26.GetUpper().Store(y + 6L * rows);
        r37.GetUpper().Store(y + 7L * rows);
    }

    // results [x row k] of one weight row → y[(tile row k) · rows].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store1(float* results, int live, float* y, int rows)
    {
        for (var k = 0; k < live; k++)
            y[(long)k * rows] = results[k];
    }

    /// <summary>The plain reference for <see cref="Run{T}"/>: x quantized by the scalar path, then per
    /// block the integer dot product of q' and the quantized x minus offset·Σx, accumulated times
    /// x scale · weight scale with a fused multiply-add in block order, and for Q4_1/Q5_1 plus
    /// m·(x scale·Σx) — the same operations as the vector path, so the results agree exactly. Q6_K:
    /// the same per 16 weights, each with its own scale.</summary>
    public static void RunScalar<T>(T* w, int rows, int cols, ReadOnlySpan<float> x, int batch, float* y, int rowStart, int rowEnd)
        where T : unmanaged, IQuantizedBlock<T>
    {
        var count = cols / Weights;
        var activations = new TiledByteActivations();
        activations.Quantize(x, batch, cols, SimdLevel.Scalar);
        var offset = OffsetShift<T>() < 0 ? 0 : 1 << OffsetShift<T>();
        var part = Weights / ScalesPerBlock<T>(); // weights per scale
        for (var r = rowStart; r < rowEnd; r++)
            for (var b = 0; b < batch; b++)
            {
                var sum = 0f;
                for (var i = 0; i < count; i++)
                {
                    var block = w + (long)r * (count / Parts<T>()) + i / Parts<T>();
                    var first = i % Parts<T>() * Weights; // this 32's first weight in its block
                    var xScale = activations.Scale(b, i);
                    for (var h = 0; h < ScalesPerBlock<T>(); h++)
                    {
                        int isum = 0, xsum = 0;
                        for (var j = h * part; j < (h + 1) * part; j++)
                        {
                            var xj = activations.Quantized(b, i * Weights + j);
                            isum += DecodedByte(block, first + j) * xj;
                            xsum += xj;
                        }
                        isum -= offset * xsum;
                        var (scale, min) = ScaleAndMin(block, first + h * part);
                        sum = MathF.FusedMultiplyAdd(isum, xScale * scale, sum);
                        if (HasMin<T>())
                            sum = MathF.FusedMultiplyAdd(xsum * xScale, min, sum);
                    }
                }
                y[(long)b * rows + r] = sum;
            }
    }

    // The scale and minimum of weight n's group (32 weights; Q6_K 16) as the decoded form holds them:
    // weight = scale·(q' − offset) + min, read one at a time (the reference for Decode).
    private static (float Scale, float Min) ScaleAndMin<T>(T* block, int n) where T : unmanaged
    {
        if (typeof(T) == typeof(Q4_K))
        {
            var k = (Q4_K*)block;
            var (scale, min) = Q4_K.ScaleMin(k->Scales, n / 32);
            return (F16.ToSingle(k->D) * scale, -(F16.ToSingle(k->DMin) * min));
        }
        if (typeof(T) == typeof(Q5_K))
        {
            var k = (Q5_K*)block;
            var (scale, min) = Q4_K.ScaleMin(k->Scales, n / 32);
            return (F16.ToSingle(k->D) * scale, -(F16.ToSingle(k->DMin) * min));
        }
        if (typeof(T) == typeof(Q6_K))
            return (F16.ToSingle(((Q6_K*)block)->D) * ((Q6_K*)block)->Scales[n / 16], 0);
        if (typeof(T) == typeof(Q3_K))
            return (F16.ToSingle(((Q3_K*)block)->D) * Q3_K.SubScale(((Q3_K*)block)->Scales, n / 16), 0);
        if (typeof(T) == typeof(IQ4_XS))
            return (F16.ToSingle(((IQ4_XS*)block)->D) * IQ4_XS.SubScale((IQ4_XS*)block, n / 32), 0);
        var halves = (ushort*)block; // the 32-weight types start with d (Q4_1/Q5_1: then m)
        return (F16.ToSingle(halves[0]), HasMin<T>() ? F16.ToSingle(halves[1]) : 0);
    }

    // q' of weight n of a block, read one at a time (the reference for Decode).
    private static int DecodedByte<T>(T* block, int n) where T : unmanaged
    {
        if (typeof(T) == typeof(Q8_0))
            return ((Q8_0*)block)->Qs[n] + 128;
        if (typeof(T) == typeof(Q4_0))
        {
            var q = ((Q4_0*)block)->Qs[n % 16];
            return n < 16 ? q & 0xF : q >> 4;
        }
        if (typeof(T) == typeof(Q4_1))
            return Q4_1.ByteWeight((Q4_1*)block, n);
        if (typeof(T) == typeof(Q5_0))
            return Q5_0.ByteWeight((Q5_0*)block, n);
        if (typeof(T) == typeof(Q5_1))
            return Q5_1.ByteWeight((Q5_1*)block, n);
        if (typeof(T) == typeof(Q4_K))
        {
            var packed = ((Q4_K*)block)->Qs[32 * (n / 64) + n % 32];
            return n / 32 % 2 == 0 ? packed & 0xF : packed >> 4;
        }
        if (typeof(T) == typeof(Q5_K))
        {
            var k = (Q5_K*)block;
            var packed = k->Qs[32 * (n / 64) + n % 32];
            return (n / 32 % 2 == 0 ? packed & 0xF : packed >> 4) | ((k->Qh[n % 32] >> (n / 32)) & 1) << 4;
        }
        if (typeof(T) == typeof(Q6_K))
            return Q6_K.Q((Q6_K*)block, n) + 32;
        if (typeof(T) == typeof(Q3_K))
        {
            var k = (Q3_K*)block;
            int h = n / 128, j = n % 128 / 32, r = n % 32;
            return ((k->Qs[32 * h + r] >> (2 * j)) & 3) | ((k->HMask[r] >> (4 * h + j)) & 1) << 2;
        }
        if (typeof(T) == typeof(IQ4_XS))
            return IQ4_NL.Level(((IQ4_XS*)block)->Qs + 16 * (n / 32), n % 32) + 128;
        return IQ4_NL.ByteWeight((IQ4_NL*)block, n) + 128;
    }

    // count blocks → bytes [count, 32] of q', d [count] and (Q4_1/Q5_1) m [count]. Every type starts
    // with its half-precision d (Q4_1/Q5_1: then m), converted by F16's table: a load per block, where gathering
    // the halves for one vector pass took about a third of Decode in an 8-client Q8_0 serving profile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Decode<T>(T* blocks, int count, byte* bytes, float* d, float* m) where T : unmanaged
    {
        if (IsK<T>())
        {
            if (typeof(T) == typeof(Q4_K)) DecodeK((Q4_K*)blocks, count, bytes, d, m);
            else if (typeof(T) == typeof(Q5_K)) DecodeK((Q5_K*)blocks, count, bytes, d, m);
            else if (typeof(T) == typeof(Q6_K)) DecodeK((Q6_K*)blocks, count, bytes, d, m);
            else if (typeof(T) == typeof(Q3_K)) DecodeK((Q3_K*)blocks, count, bytes, d, m);
            else DecodeK((IQ4_XS*)blocks, count, bytes, d, m);
            return;
        }
        var high = Vector256.Create((byte)0x80);
        for (var i = 0; i < count; i++, bytes += Weights)
        {
            var block = blocks + i;
            Vector256<byte> q;
            if (typeof(T) == typeof(Q8_0))
                q = Vector256.Load((byte*)((Q8_0*)block)->Qs) ^ high;
            else if (typeof(T) == typeof(Q4_0))
                q = ByteBlock32Kernels.Nibbles(((Q4_0*)block)->Qs);
            else if (typeof(T) == typeof(Q4_1))
                q = Q4_1.Bytes256((Q4_1*)block);
            else if (typeof(T) == typeof(Q5_0))
                q = Q5_0.Bytes256((Q5_0*)block);
            else if (typeof(T) == typeof(Q5_1))
                q = Q5_1.Bytes256((Q5_1*)block);
            else
                q = IQ4_NL.Bytes256((IQ4_NL*)block) ^ high;
            q.Store(bytes);
            d[i] = D((byte*)block);
            if (HasMin<T>())
                m[i] = M<T>((byte*)block);
        }
    }

    // count 256-weight blocks → bytes [8·count, 32] (chunk c of a block is its weights 32c..32c+31;
    // IQ4_XS's signed levels + 128), d [8·count] (Q6_K, Q3_K: [16·count], one per 16 weights) and
    // (Q4_K, Q5_K) m [8·count].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DecodeK<TK>(TK* blocks, int count, byte* bytes, float* d, float* m) where TK : unmanaged, IByteBlock256<TK>
    {
        var flip = Vector256.Create((byte)(TK.SignedBytes ? 0x80 : 0));
        for (var i = 0; i < count; i++, bytes += 8 * Weights)
        {
            var block = blocks + i;
            // written out: with c a constant each chunk is a load or two, a shift and a mask
            (TK.Chunk(block, 0) ^ flip).Store(bytes);
            (TK.Chunk(block, 1) ^ flip).Store(bytes + Weights);
            (TK.Chunk(block, 2) ^ flip).Store(bytes + 2 * Weights);
            (TK.Chunk(block, 3) ^ flip).Store(bytes + 3 * Weights);
            (TK.Chunk(block, 4) ^ flip).Store(bytes + 4 * Weights);
            (TK.Chunk(block, 5) ^ flip).Store(bytes + 5 * Weights);
            (TK.Chunk(block, 6) ^ flip).Store(bytes + 6 * Weights);
            (TK.Chunk(block, 7) ^ flip).Store(bytes + 7 * Weights);
            var scale = Vector256.Create(TK.Scale(block));
            var scales = TK.SubScales(block, out var mins); // s_k of the 16-weight sub-blocks, evens then odds
            if (HalfScales<TK>())
            {
                var first = Sse2.UnpackLow(scales.GetLower(), scales.GetUpper()); // s0..s7 in order
                var second = Sse2.UnpackHigh(scales.GetLower(), scales.GetUpper());
                (Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(first)) * scale).Store(d + 16 * i);
                (Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(second)) * scale).Store(d + 16 * i + 8);
            }
            else
            {
                // one scale per 32 (s_2j = s_2j+1): the evens; for Q4_K/Q5_K each min_j twice in mins
                (Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(scales.GetLower())) * scale).Store(d + 8 * i);
                if (HasMin<TK>())
                {
                    var evens = Avx.ConvertToVector256Single(mins.AsInt32() & Vector256.Create(0xFFFF));
                    (evens * Vector256.Create(-TK.MinScale(block))).Store(m + 8 * i);
                }
            }
        }
    }

    private static T[] Scratch<T>(ref T[]? field, int length)
    {
        if (field == null || field.Length < length)
            field = GC.AllocateArray<T>(length, pinned: true);
        return field;
    }

    // The next chunk's packed bytes of decoded block index i of four rows (step bytes each), when there is a next chunk.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(byte* prefetch, int i, int step)
    {
        if (prefetch == null)
            return;
        Sse.Prefetch0(prefetch + i * step);
        Sse.Prefetch0(prefetch + i * step + 64);
        Sse.Prefetch0(prefetch + i * step + 127);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dpbusd(Vector256<int> sums, byte* q, Vector256<sbyte> x) =>
        AvxVnni.MultiplyWideningAndAdd(sums, Vector256.Create(*(int*)q).AsByte(), x);

    // Σ over one decoded block (q: its 32 bytes) of q'·x − offset·Σx for the tile's eight x rows (x0..x7: its vectors g).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Block(byte* q, Vector256<int> correction,
        Vector256<sbyte> x0, Vector256<sbyte> x1, Vector256<sbyte> x2, Vector256<sbyte> x3,
        Vector256<sbyte> x4, Vector256<sbyte> x5, Vector256<sbyte> x6, Vector256<sbyte> x7)
    {
        var a = Dpbusd(correction, q, x0);
        var b = Dpbusd(Vector256<int>.Zero, q + 4, x1);
        a = Dpbusd(a, q + 8, x2);
        b = Dpbusd(b, q + 12, x3);
        a = Dpbusd(a, q + 16, x4);
        b = Dpbusd(b, q + 20, x5);
        a = Dpbusd(a, q + 24, x6);
        b = Dpbusd(b, q + 28, x7);
        return a + b;
    }

    // The sums' starting values for one block of the tile: −offset·Σx from the tile's −Σx, and for
    // Q6_K the same for each half of the block (its first and last 16 values).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<int> First, Vector256<int> Second) Corrections<T>(int* negatedSums, int* negatedFirstHalves)
        where T : unmanaged
    {
        if (OffsetShift<T>() < 0)
            return (Vector256<int>.Zero, Vector256<int>.Zero);
        if (!HalfScales<T>())
            return (Vector256.ShiftLeft(Vector256.Load(negatedSums), OffsetShift<T>()), Vector256<int>.Zero);
        var first = Vector256.Load(negatedFirstHalves);
        return (Vector256.ShiftLeft(first, OffsetShift<T>()), Vector256.ShiftLeft(Vector256.Load(negatedSums) - first, OffsetShift<T>()));
    }

    // total + one decoded block's sums for the tile's eight x rows (q: its 32 bytes; d: its scale, or
    // Q6_K's two, each for 16 weights and added in turn; c0, c1: from Corrections).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> AddBlock<T>(byte* q, float* d, float m, Vector256<int> c0, Vector256<int> c1,
        Vector256<float> scales, Vector256<float> scaledSums,
        Vector256<sbyte> x0, Vector256<sbyte> x1, Vector256<sbyte> x2, Vector256<sbyte> x3,
        Vector256<sbyte> x4, Vector256<sbyte> x5, Vector256<sbyte> x6, Vector256<sbyte> x7, Vector256<float> total) where T : unmanaged
    {
        if (!HalfScales<T>())
            return Accumulate<T>(Block(q, c0, x0, x1, x2, x3, x4, x5, x6, x7), scales, scaledSums, d[0], m, total);
        var first = Dpbusd(Dpbusd(Dpbusd(Dpbusd(c0, q, x0), q + 4, x1), q + 8, x2), q + 12, x3);
        var second = Dpbusd(Dpbusd(Dpbusd(Dpbusd(c1, q + 16, x4), q + 20, x5), q + 24, x6), q + 28, x7);
        return Accumulate<T>(second, scales, scaledSums, d[1], m, Accumulate<T>(first, scales, scaledSums, d[0], m, total));
    }

    // total + sums·(x scales·d), and for Q4_1/Q5_1 + m·(x scales·Σx) (scaledSums = x scales·(−Σx)).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Accumulate<T>(Vector256<int> sums, Vector256<float> xScales, Vector256<float> scaledSums,
        float d, float m, Vector256<float> total) where T : unmanaged
    {
        total = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums), xScales * Vector256.Create(d), total);
        return HasMin<T>() ? Fma.MultiplyAddNegated(scaledSums, Vector256.Create(m), total) : total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ScaledSums<T>(int* negatedSums, Vector256<float> xScales) where T : unmanaged =>
        HasMin<T>() ? Avx.ConvertToVector256Single(Vector256.Load(negatedSums)) * xScales : default;

    // Four consecutive decoded weight rows (q, q + 32·count, …; scales d, d + count, … (Q6_K: 2·count);
    // minimums m, m + count, …) against tile t of x: results[j · 8 + k] = row j · x row k.
    // With a prefetch address, the next chunk's four packed rows are fetched into the cache as the
    // loop goes (step bytes per block index).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4<T>(byte* q, int count, float* d, float* m, TiledByteActivations x, int t, float* results,
        byte* prefetch, int step) where T : unmanaged
    {
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        var rowBytes = count * Weights;
        var stride = ScalesPerBlock<T>() * count;
        byte* q1 = q + rowBytes, q2 = q1 + rowBytes, q3 = q2 + rowBytes;
        float* d1 = d + stride, d2 = d1 + stride, d3 = d2 + stride;
        float* m1 = m + count, m2 = m1 + count, m3 = m2 + count;
        sbyte* xq = x.Values(t);
        float* xs = x.Scales(t);
        int* xsums = x.NegatedSums(t), xhalves = x.NegatedFirstHalfSums(t);
        for (var i = 0; i < count; i++, xq += TileBlockBytes)
        {
            Prefetch(prefetch, i, step);
            var x0 = Vector256.Load(xq);
            var x1 = Vector256.Load(xq + 32);
            var x2 = Vector256.Load(xq + 64);
            var x3 = Vector256.Load(xq + 96);
            var x4 = Vector256.Load(xq + 128);
            var x5 = Vector256.Load(xq + 160);
            var x6 = Vector256.Load(xq + 192);
            var x7 = Vector256.Load(xq + 224);
            var (c0, c1) = Corrections<T>(xsums + i * Tile, xhalves + i * Tile);
            var scales = Vector256.Load(xs + i * Tile);
            var scaledSums = ScaledSums<T>(xsums + i * Tile, scales);
            var o = i * Weights;
            var s = ScalesPerBlock<T>() * i;
            f0 = AddBlock<T>(q + o, d + s, HasMin<T>() ? m[i] : 0, c0, c1, scales, scaledSums, x0, x1, x2, x3, x4, x5, x6, x7, f0);
            f1 = AddBlock<T>(q1 + o, d1 + s, HasMin<T>() ? m1[i] : 0, c0, c1, scales, scaledSums, x0, x1, x2, x3, x4, x5, x6, x7, f1);
            f2 = AddBlock<T>(q2 + o, d2 + s, HasMin<T>() ? m2[i] : 0, c0, c1, scales, scaledSums, x0, x1, x2, x3, x4, x5, x6, x7, f2);
            f3 = AddBlock<T>(q3 + o, d3 + s, HasMin<T>() ? m3[i] : 0, c0, c1, scales, scaledSums, x0, x1, x2, x3, x4, x5, x6, x7, f3);
        }
        f0.Store(results);
        f1.Store(results + Tile);
        f2.Store(results + 2 * Tile);
        f3.Store(results + 3 * Tile);
    }

    // A lone tile's x for Dot4Paired: per block, vectors g' = 0..3 of x rows {0, 1, 4, 5} and then {2, 3, 6, 7}, each
    // row's dwords 2g', 2g' + 1 side by side (vpunpckl/hdq of the tile's vectors 2g', 2g' + 1).
    private static void Pair(sbyte* values, int count, sbyte* paired)
    {
        for (var i = 0; i < count; i++, values += TileBlockBytes, paired += TileBlockBytes)
            for (var g = 0; g < 4; g++)
            {
                var even = Vector256.Load(values + 64 * g).AsInt32();
                var odd = Vector256.Load(values + 64 * g + 32).AsInt32();
                Avx2.UnpackLow(even, odd).Store((int*)(paired + 32 * g));
                Avx2.UnpackHigh(even, odd).Store((int*)(paired + 128 + 32 * g));
            }
    }

    // Dot4 for a lone tile (results[j · 8 + k] = row j · x row k; types with one scale per 32 weights): one 64-bit
    // broadcast of a row's dwords 2g', 2g' + 1 meets the paired x (see Pair) of rows {0, 1, 4, 5} and {2, 3, 6, 7},
    // and one vphaddd per block puts the eight rows' sums back in order: half the broadcasts of Dot4, the same
    // integer sums and float operations (equal to the bit).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4Paired<T>(byte* q, int count, float* d, float* m, TiledByteActivations x, int t, sbyte* xp, float* results,
        byte* prefetch, int step) where T : unmanaged
    {
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        var rowBytes = count * Weights;
        byte* q1 = q + rowBytes, q2 = q1 + rowBytes, q3 = q2 + rowBytes;
        float* d1 = d + count, d2 = d1 + count, d3 = d2 + count;
        float* m1 = m + count, m2 = m1 + count, m3 = m2 + count;
        float* xs = x.Scales(t);
        int* xsums = x.NegatedSums(t);
        for (var i = 0; i < count; i++, xp += TileBlockBytes)
        {
            Prefetch(prefetch, i, step);
            var a0 = Vector256.Load(xp);
            var a1 = Vector256.Load(xp + 32);
            var a2 = Vector256.Load(xp + 64);
            var a3 = Vector256.Load(xp + 96);
            var b0 = Vector256.Load(xp + 128);
            var b1 = Vector256.Load(xp + 160);
            var b2 = Vector256.Load(xp + 192);
            var b3 = Vector256.Load(xp + 224);
            var (c, _) = Corrections<T>(xsums + i * Tile, null);
            var ca = Avx2.UnpackLow(c, Vector256<int>.Zero);
            var cb = Avx2.UnpackHigh(c, Vector256<int>.Zero);
            var scales = Vector256.Load(xs + i * Tile);
            var scaledSums = ScaledSums<T>(xsums + i * Tile, scales);
            var o = i * Weights;
            f0 = Accumulate<T>(PairedBlock<byte>(q + o, ca, cb, a0, a1, a2, a3, b0, b1, b2, b3), scales, scaledSums, d[i], HasMin<T>() ? m[i] : 0, f0);
            f1 = Accumulate<T>(PairedBlock<byte>(q1 + o, ca, cb, a0, a1, a2, a3, b0, b1, b2, b3), scales, scaledSums, d1[i], HasMin<T>() ? m1[i] : 0, f1);
            f2 = Accumulate<T>(PairedBlock<byte>(q2 + o, ca, cb, a0, a1, a2, a3, b0, b1, b2, b3), scales, scaledSums, d2[i], HasMin<T>() ? m2[i] : 0, f2);
            f3 = Accumulate<T>(PairedBlock<byte>(q3 + o, ca, cb, a0, a1, a2, a3, b0, b1, b2, b3), scales, scaledSums, d3[i], HasMin<T>() ? m3[i] : 0, f3);
        }
        f0.Store(results);
        f1.Store(results + Tile);
        f2.Store(results + 2 * Tile);
        f3.Store(results + 3 * Tile);
    }

    // Dot4Paired for four consecutive rows of Q8_0, Q4_0, Q4_1 or IQ4_NL read in place (rows: the first row's
    // blocks; prefetch: the next four rows', or null): the weights broadcast from the stored blocks (see Quarters),
    // d (and m) converted through F16's table; the same sums and float operations as the decoded path (equal to the bit).
    // Kept apart from Dot4Paired: one generic kernel for both had the JIT keep a sum, a correction and three row
    // pointers on the stack in this loop (1174 bytes of code for Q8_0 against 1056).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4PairedInPlace<T>(byte* rows, int count, TiledByteActivations x, sbyte* xp, float* results, byte* prefetch)
        where T : unmanaged
    {
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        var rowBytes = count * sizeof(T);
        byte* r1 = rows + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
        float* xs = x.Scales(0);
        int* xsums = x.NegatedSums(0);
        for (var i = 0; i < count; i++, xp += TileBlockBytes)
        {
            Prefetch(prefetch, i, 4 * sizeof(T));
            var a0 = Vector256.Load(xp);
            var a1 = Vector256.Load(xp + 32);
            var a2 = Vector256.Load(xp + 64);
            var a3 = Vector256.Load(xp + 96);
            var b0 = Vector256.Load(xp + 128);
            var b1 = Vector256.Load(xp + 160);
            var b2 = Vector256.Load(xp + 192);
            var b3 = Vector256.Load(xp + 224);
            var (c, _) = Corrections<T>(xsums + i * Tile, null);
            var ca = Avx2.UnpackLow(c, Vector256<int>.Zero);
            var cb = Avx2.UnpackHigh(c, Vector256<int>.Zero);
            var scales = Vector256.Load(xs + i * Tile);
            var scaledSums = ScaledSums<T>(xsums + i * Tile, scales);
            var o = i * sizeof(T); // every block starts with its d (Q4_1: then m)
            f0 = Accumulate<T>(PairedBlock<T>(rows + o, ca, cb, a0, a1, a2, a3, b0, b1, b2, b3), scales, scaledSums, D(rows + o), M<T>(rows + o), f0);
            f1 = Accumulate<T>(PairedBlock<T>(r1 + o, ca, cb, a0, a1, a2, a3, b0, b1, b2, b3), scales, scaledSums, D(r1 + o), M<T>(r1 + o), f1);
            f2 = Accumulate<T>(PairedBlock<T>(r2 + o, ca, cb, a0, a1, a2, a3, b0, b1, b2, b3), scales, scaledSums, D(r2 + o), M<T>(r2 + o), f2);
            f3 = Accumulate<T>(PairedBlock<T>(r3 + o, ca, cb, a0, a1, a2, a3, b0, b1, b2, b3), scales, scaledSums, D(r3 + o), M<T>(r3 + o), f3);
        }
        f0.Store(results);
        f1.Store(results + Tile);
        f2.Store(results + 2 * Tile);
        f3.Store(results + 3 * Tile);
    }

    // A stored 32-weight block's d, and m where its type has one: every 32-weight type starts with them (Decode reads
    // them here too).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float D(byte* block) => F16.ToSingle(*(ushort*)block);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float M<T>(byte* block) where T : unmanaged => HasMin<T>() ? F16.ToSingle(((ushort*)block)[1]) : 0;

    // One block against the paired x: Σ q'·x − offset·Σx for the eight rows, in order (q: see Quarters).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> PairedBlock<TStored>(byte* q, Vector256<int> ca, Vector256<int> cb,
        Vector256<sbyte> a0, Vector256<sbyte> a1, Vector256<sbyte> a2, Vector256<sbyte> a3,
        Vector256<sbyte> b0, Vector256<sbyte> b1, Vector256<sbyte> b2, Vector256<sbyte> b3) where TStored : unmanaged
    {
        var (w0, w1, w2, w3) = Quarters<TStored>(q);
        var a = AvxVnni.MultiplyWideningAndAdd(ca, w0, a0);
        var b = AvxVnni.MultiplyWideningAndAdd(cb, w0, b0);
        a = AvxVnni.MultiplyWideningAndAdd(a, w1, a1);
        b = AvxVnni.MultiplyWideningAndAdd(b, w1, b1);
        a = AvxVnni.MultiplyWideningAndAdd(a, w2, a2);
        b = AvxVnni.MultiplyWideningAndAdd(b, w2, b2);
        a = AvxVnni.MultiplyWideningAndAdd(a, w3, a3);
        b = AvxVnni.MultiplyWideningAndAdd(b, w3, b3);
        return Avx2.HorizontalAdd(a, b);
    }

    // A block's q' as four 64-bit broadcasts (weights 0–7, 8–15, 16–23, 24–31): from its decoded 32 bytes (T byte),
    // or read in place from a stored Q8_0 block (q + 128: an XOR) or Q4_0, Q4_1, IQ4_NL block (weights j and j + 16
    // share byte j: its low and high nibble; IQ4_NL's through its levels, then + 128).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<byte>, Vector256<byte>, Vector256<byte>, Vector256<byte>) Quarters<T>(byte* q) where T : unmanaged
    {
        if (typeof(T) == typeof(Q8_0))
        {
            var high = Vector256.Create((byte)0x80);
            var qs = (byte*)((Q8_0*)q)->Qs;
            return (Broadcast(qs) ^ high, Broadcast(qs + 8) ^ high, Broadcast(qs + 16) ^ high, Broadcast(qs + 24) ^ high);
        }
        if (typeof(T) == typeof(Q4_0) || typeof(T) == typeof(Q4_1) || typeof(T) == typeof(IQ4_NL))
        {
            var low = Vector256.Create((byte)0xF);
            var qs = typeof(T) == typeof(Q4_1) ? ((Q4_1*)q)->Qs : ((Q4_0*)q)->Qs; // IQ4_NL: as Q4_0, d and then the nibbles
            var first = Broadcast(qs).AsUInt64();
            var second = Broadcast(qs + 8).AsUInt64();
            var (n0, n1) = (first.AsByte() & low, second.AsByte() & low);
            var (n2, n3) = (Vector256.ShiftRightLogical(first, 4).AsByte() & low, Vector256.ShiftRightLogical(second, 4).AsByte() & low);
            if (typeof(T) != typeof(IQ4_NL))
                return (n0, n1, n2, n3);
            var high = Vector256.Create((byte)0x80); // as Decode: the signed level, + 128
            return (IQ4_NL.LevelsOf(n0) ^ high, IQ4_NL.LevelsOf(n1) ^ high, IQ4_NL.LevelsOf(n2) ^ high, IQ4_NL.LevelsOf(n3) ^ high);
        }
        return (Broadcast(q), Broadcast(q + 8), Broadcast(q + 16), Broadcast(q + 24));
    }

    // The types whose lone tile reads the stored blocks in place (see Quarters).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool ReadsInPlace<T>() =>
        typeof(T) == typeof(Q8_0) || typeof(T) == typeof(Q4_0) || typeof(T) == typeof(Q4_1) || typeof(T) == typeof(IQ4_NL);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Broadcast(byte* eight) => Vector256.Create(*(long*)eight).AsByte();

    // Four consecutive decoded weight rows (as in Dot4) against tiles t and t + 1 (sixteen x rows):
    // results[u · 32 + j · 8 + k] = row j · x row k of tile t + u. Each broadcast weight dword meets
    // both tiles and each x vector four rows: eight independent vpdpbusd chains, and 0.75 loads per
    // vpdpbusd against Dot4's 1.25.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4x2<T>(byte* q, int count, float* d, float* m, TiledByteActivations x, int t, float* results,
        byte* prefetch, int step) where T : unmanaged
    {
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        Vector256<float> e0 = default, e1 = default, e2 = default, e3 = default;
        var rowBytes = count * Weights;
        sbyte* xa = x.Values(t), xb = x.Values(t + 1);
        float* sa = x.Scales(t), sb = x.Scales(t + 1);
        int* na = x.NegatedSums(t), nb = x.NegatedSums(t + 1);
        int* ha = x.NegatedFirstHalfSums(t), hb = x.NegatedFirstHalfSums(t + 1);
        var stride = ScalesPerBlock<T>() * count;
        for (var i = 0; i < count; i++, q += Weights, xa += TileBlockBytes, xb += TileBlockBytes)
        {
            Prefetch(prefetch, i, step);
            var (ca, ca2) = Corrections<T>(na + i * Tile, ha + i * Tile);
            var (cb, cb2) = Corrections<T>(nb + i * Tile, hb + i * Tile);
            Vector256<int> a0 = ca, a1 = ca, a2 = ca, a3 = ca, b0 = cb, b1 = cb, b2 = cb, b3 = cb;
            byte* q1 = q + rowBytes, q2 = q1 + rowBytes, q3 = q2 + rowBytes;
            {
                var va = Vector256.Load(xa + 0);
                var vb = Vector256.Load(xb + 0);
                var w = Vector256.Create(*(int*)(q + 0)).AsByte();
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, w, va);
                b0 = AvxVnni.MultiplyWideningAndAdd(b0, w, vb);
                w = Vector256.Create(*(int*)(q1 + 0)).AsByte();
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, w, va);
                b1 = AvxVnni.MultiplyWideningAndAdd(b1, w, vb);
                w = Vector256.Create(*(int*)(q2 + 0)).AsByte();
                a2 = AvxVnni.MultiplyWideningAndAdd(a2, w, va);
                b2 = AvxVnni.MultiplyWideningAndAdd(b2, w, vb);
                w = Vector256.Create(*(int*)(q3 + 0)).AsByte();
                a3 = AvxVnni.MultiplyWideningAndAdd(a3, w, va);
                b3 = AvxVnni.MultiplyWideningAndAdd(b3, w, vb);
            }
            {
                var va = Vector256.Load(xa + 32);
                var vb = Vector256.Load(xb + 32);
                var w = Vector256.Create(*(int*)(q + 4)).AsByte();
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, w, va);
                b0 = AvxVnni.MultiplyWideningAndAdd(b0, w, vb);
                w = Vector256.Create(*(int*)(q1 + 4)).AsByte();
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, w, va);
                b1 = AvxVnni.MultiplyWideningAndAdd(b1, w, vb);
                w = Vector256.Create(*(int*)(q2 + 4)).AsByte();
                a2 = AvxVnni.MultiplyWideningAndAdd(a2, w, va);
                b2 = AvxVnni.MultiplyWideningAndAdd(b2, w, vb);
                w = Vector256.Create(*(int*)(q3 + 4)).AsByte();
                a3 = AvxVnni.MultiplyWideningAndAdd(a3, w, va);
                b3 = AvxVnni.MultiplyWideningAndAdd(b3, w, vb);
            }
            {
                var va = Vector256.Load(xa + 64);
                var vb = Vector256.Load(xb + 64);
                var w = Vector256.Create(*(int*)(q + 8)).AsByte();
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, w, va);
                b0 = AvxVnni.MultiplyWideningAndAdd(b0, w, vb);
                w = Vector256.Create(*(int*)(q1 + 8)).AsByte();
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, w, va);
                b1 = AvxVnni.MultiplyWideningAndAdd(b1, w, vb);
                w = Vector256.Create(*(int*)(q2 + 8)).AsByte();
                a2 = AvxVnni.MultiplyWideningAndAdd(a2, w, va);
                b2 = AvxVnni.MultiplyWideningAndAdd(b2, w, vb);
                w = Vector256.Create(*(int*)(q3 + 8)).AsByte();
                a3 = AvxVnni.MultiplyWideningAndAdd(a3, w, va);
                b3 = AvxVnni.MultiplyWideningAndAdd(b3, w, vb);
            }
            {
                var va = Vector256.Load(xa + 96);
                var vb = Vector256.Load(xb + 96);
                var w = Vector256.Create(*(int*)(q + 12)).AsByte();
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, w, va);
                b0 = AvxVnni.MultiplyWideningAndAdd(b0, w, vb);
                w = Vector256.Create(*(int*)(q1 + 12)).AsByte();
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, w, va);
                b1 = AvxVnni.MultiplyWideningAndAdd(b1, w, vb);
                w = Vector256.Create(*(int*)(q2 + 12)).AsByte();
                a2 = AvxVnni.MultiplyWideningAndAdd(a2, w, va);
                b2 = AvxVnni.MultiplyWideningAndAdd(b2, w, vb);
                w = Vector256.Create(*(int*)(q3 + 12)).AsByte();
                a3 = AvxVnni.MultiplyWideningAndAdd(a3, w, va);
                b3 = AvxVnni.MultiplyWideningAndAdd(b3, w, vb);
            }
            if (HalfScales<T>())
            {
                // Q6_K: the first 16 weights have a scale of their own; their sums go out here
                var halfA = Vector256.Load(sa + i * Tile);
                var halfB = Vector256.Load(sb + i * Tile);
                var h = 2 * i;
                f0 = Accumulate<T>(a0, halfA, default, d[h], 0, f0);
                e0 = Accumulate<T>(b0, halfB, default, d[h], 0, e0);
                f1 = Accumulate<T>(a1, halfA, default, d[h + stride], 0, f1);
                e1 = Accumulate<T>(b1, halfB, default, d[h + stride], 0, e1);
                f2 = Accumulate<T>(a2, halfA, default, d[h + 2 * stride], 0, f2);
                e2 = Accumulate<T>(b2, halfB, default, d[h + 2 * stride], 0, e2);
                f3 = Accumulate<T>(a3, halfA, default, d[h + 3 * stride], 0, f3);
                e3 = Accumulate<T>(b3, halfB, default, d[h + 3 * stride], 0, e3);
                a0 = a1 = a2 = a3 = ca2;
                b0 = b1 = b2 = b3 = cb2;
            }
            {
                var va = Vector256.Load(xa + 128);
                var vb = Vector256.Load(xb + 128);
                var w = Vector256.Create(*(int*)(q + 16)).AsByte();
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, w, va);
                b0 = AvxVnni.MultiplyWideningAndAdd(b0, w, vb);
                w = Vector256.Create(*(int*)(q1 + 16)).AsByte();
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, w, va);
                b1 = AvxVnni.MultiplyWideningAndAdd(b1, w, vb);
                w = Vector256.Create(*(int*)(q2 + 16)).AsByte();
                a2 = AvxVnni.MultiplyWideningAndAdd(a2, w, va);
                b2 = AvxVnni.MultiplyWideningAndAdd(b2, w, vb);
                w = Vector256.Create(*(int*)(q3 + 16)).AsByte();
                a3 = AvxVnni.MultiplyWideningAndAdd(a3, w, va);
                b3 = AvxVnni.MultiplyWideningAndAdd(b3, w, vb);
            }
            {
                var va = Vector256.Load(xa + 160);
                var vb = Vector256.Load(xb + 160);
                var w = Vector256.Create(*(int*)(q + 20)).AsByte();
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, w, va);
                b0 = AvxVnni.MultiplyWideningAndAdd(b0, w, vb);
                w = Vector256.Create(*(int*)(q1 + 20)).AsByte();
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, w, va);
                b1 = AvxVnni.MultiplyWideningAndAdd(b1, w, vb);
                w = Vector256.Create(*(int*)(q2 + 20)).AsByte();
                a2 = AvxVnni.MultiplyWideningAndAdd(a2, w, va);
                b2 = AvxVnni.MultiplyWideningAndAdd(b2, w, vb);
                w = Vector256.Create(*(int*)(q3 + 20)).AsByte();
                a3 = AvxVnni.MultiplyWideningAndAdd(a3, w, va);
                b3 = AvxVnni.MultiplyWideningAndAdd(b3, w, vb);
            }
            {
                var va = Vector256.Load(xa + 192);
                var vb = Vector256.Load(xb + 192);
                var w = Vector256.Create(*(int*)(q + 24)).AsByte();
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, w, va);
                b0 = AvxVnni.MultiplyWideningAndAdd(b0, w, vb);
                w = Vector256.Create(*(int*)(q1 + 24)).AsByte();
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, w, va);
                b1 = AvxVnni.MultiplyWideningAndAdd(b1, w, vb);
                w = Vector256.Create(*(int*)(q2 + 24)).AsByte();
                a2 = AvxVnni.MultiplyWideningAndAdd(a2, w, va);
                b2 = AvxVnni.MultiplyWideningAndAdd(b2, w, vb);
                w = Vector256.Create(*(int*)(q3 + 24)).AsByte();
                a3 = AvxVnni.MultiplyWideningAndAdd(a3, w, va);
                b3 = AvxVnni.MultiplyWideningAndAdd(b3, w, vb);
            }
            {
                var va = Vector256.Load(xa + 224);
                var vb = Vector256.Load(xb + 224);
                var w = Vector256.Create(*(int*)(q + 28)).AsByte();
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, w, va);
                b0 = AvxVnni.MultiplyWideningAndAdd(b0, w, vb);
                w = Vector256.Create(*(int*)(q1 + 28)).AsByte();
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, w, va);
                b1 = AvxVnni.MultiplyWideningAndAdd(b1, w, vb);
                w = Vector256.Create(*(int*)(q2 + 28)).AsByte();
                a2 = AvxVnni.MultiplyWideningAndAdd(a2, w, va);
                b2 = AvxVnni.MultiplyWideningAndAdd(b2, w, vb);
                w = Vector256.Create(*(int*)(q3 + 28)).AsByte();
                a3 = AvxVnni.MultiplyWideningAndAdd(a3, w, va);
                b3 = AvxVnni.MultiplyWideningAndAdd(b3, w, vb);
            }
            var scalesA = Vector256.Load(sa + i * Tile);
            var scalesB = Vector256.Load(sb + i * Tile);
            var sumsA = ScaledSums<T>(na + i * Tile, scalesA);
            var sumsB = ScaledSums<T>(nb + i * Tile, scalesB);
            var mi = HasMin<T>();
            var di = ScalesPerBlock<T>() * i + ScalesPerBlock<T>() - 1; // Q6_K: the second half's scale
            f0 = Accumulate<T>(a0, scalesA, sumsA, d[di], mi ? m[i] : 0, f0);
            e0 = Accumulate<T>(b0, scalesB, sumsB, d[di], mi ? m[i] : 0, e0);
            f1 = Accumulate<T>(a1, scalesA, sumsA, d[di + stride], mi ? m[i + count] : 0, f1);
            e1 = Accumulate<T>(b1, scalesB, sumsB, d[di + stride], mi ? m[i + count] : 0, e1);
            f2 = Accumulate<T>(a2, scalesA, sumsA, d[di + 2 * stride], mi ? m[i + 2 * count] : 0, f2);
            e2 = Accumulate<T>(b2, scalesB, sumsB, d[di + 2 * stride], mi ? m[i + 2 * count] : 0, e2);
            f3 = Accumulate<T>(a3, scalesA, sumsA, d[di + 3 * stride], mi ? m[i + 3 * count] : 0, f3);
            e3 = Accumulate<T>(b3, scalesB, sumsB, d[di + 3 * stride], mi ? m[i + 3 * count] : 0, e3);
        }
        f0.Store(results);
        f1.Store(results + Tile);
        f2.Store(results + 2 * Tile);
        f3.Store(results + 3 * Tile);
        e0.Store(results + 4 * Tile);
        e1.Store(results + 5 * Tile);
        e2.Store(results + 6 * Tile);
        e3.Store(results + 7 * Tile);
    }

    // One decoded weight row against tile t (the rows of a range left over after its groups of four).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot1<T>(byte* q, int count, float* d, float* m, TiledByteActivations x, int t, float* results) where T : unmanaged
    {
        var f = Vector256<float>.Zero;
        sbyte* xq = x.Values(t);
        float* xs = x.Scales(t);
        int* xsums = x.NegatedSums(t), xhalves = x.NegatedFirstHalfSums(t);
        for (var i = 0; i < count; i++, xq += TileBlockBytes)
        {
            var scales = Vector256.Load(xs + i * Tile);
            var (c0, c1) = Corrections<T>(xsums + i * Tile, xhalves + i * Tile);
            f = AddBlock<T>(q + i * Weights, d + ScalesPerBlock<T>() * i, HasMin<T>() ? m[i] : 0, c0, c1, scales,
                ScaledSums<T>(xsums + i * Tile, scales),
                Vector256.Load(xq), Vector256.Load(xq + 32), Vector256.Load(xq + 64), Vector256.Load(xq + 96),
                Vector256.Load(xq + 128), Vector256.Load(xq + 160), Vector256.Load(xq + 192), Vector256.Load(xq + 224), f);
        }
        f.Store(results);
    }
}
