using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// The matrix product for Q8_0 and Q4_0 weights at batch ≥ <see cref="MinBatch"/> on CPUs with
/// AVX-VNNI (at the 512-bit level; elsewhere <see cref="Block32FloatBatch"/> or the int16 kernels):
/// x is quantized to 8 bits in tiles of eight batch rows (<see cref="TiledByteActivations"/>) and
/// meets the weights, read in place from the model file, in vpdpbusd.
/// </summary>
/// <remarks>
/// <para>vpdpbusd multiplies 32 unsigned bytes by 32 signed bytes and adds each group of four
/// products to one of eight int32 lanes. Here the lanes are the eight x rows of a tile: four weights
/// of one weight row (a dword of its block) are broadcast to all lanes and meet the tile's vector g,
/// which holds x bytes 4g..4g+3 of each of the eight rows. After a block's eight such instructions
/// one register holds the block's integer dot product for eight x rows — no horizontal sums, and
/// the weights need no repacking (each dword is broadcast straight from the file's block). One
/// conversion and one FMA per block then add it, times weight scale · x scales, to eight outputs.
/// Four weight rows go together (two sums each: eight independent vpdpbusd chains), sharing each
/// loaded x vector.</para>
/// <para>The weights are the unsigned operand: Q8_0 bytes get 128 added (an xor) and Q4_0 nibbles are
/// stored as q + 8 already; the sums start at −offset·Σx per x row and block (Σx kept with the
/// tile), which takes the offset back out exactly.</para>
/// <para>Results differ from the float path by the 8-bit rounding of x (llama.cpp rounds its batch
/// activations the same way): a few 1e-3 of Σ|w·x| at worst on random data, against 2e-4 for the
/// 14-bit activations of the batch-1 kernels. A batch that is not a multiple of eight is padded to
/// one with zero rows, whose lanes are computed and dropped.</para>
/// <para>Measured on this project's 2-core AMD EPYC (Zen 5), one thread, Q8_0, weights from memory
/// (<see cref="MatMulBenchmark"/>; busy machine, medians): 4864×896 at batch 8 about 350 µs (the float
/// path ~900 µs, batch 1 ~250 µs), at batch 64 2.7 ms (4.2 ms); 151936×896 at batch 8 11.7 ms
/// (27.7 ms). With the weights in cache, batch 8 costs about 180 µs of CPU: vpdpbusd runs near two per
/// cycle. Prefetching the next chunk of rows while the first tile meets this one took batch 8 from
/// about 550 to 350 µs.</para>
/// </remarks>
internal static unsafe class Block32ByteBatch
{
    /// <summary>The smallest batch that takes this path. A batch pads to eight rows, so batch 2 costs
    /// what batch 8 does, and still beats the int16 kernels: `bench-serve --clients 2` on the
    /// Qwen2.5-0.5B-shaped Q8_0 file (2 threads, busy machine, three runs each) gave 37.9–41.2 total
    /// tok/s with MinBatch 2 against 32.8–34.9 with 3.</summary>
    public const int MinBatch = 2;

    private const int Weights = 32;
    private const int Tile = TiledByteActivations.Tile;
    private const int TileBlockBytes = Tile * Weights;
    private const int RowChunk = 16;  // weight rows that meet every tile before the next rows (16 × 4864 Q8_0 weights ≈ 83 KB, in L2)

    [ThreadStatic] private static float[]? t_scales;
    [ThreadStatic] private static ushort[]? t_halves;

    public static bool IsSupported => AvxVnni.IsSupported;

    /// <summary>Whether a product takes this path; <paramref name="vnni"/> false asks for the kernels
    /// of a CPU without AVX-VNNI (tests run that fallback on any machine).</summary>
    public static bool Applies<T>(int batch, SimdLevel level, bool vnni = true) where T : unmanaged =>
        vnni && IsSupported && batch >= MinBatch && level == SimdLevel.Vector512 && (typeof(T) == typeof(Q8_0) || typeof(T) == typeof(Q4_0));

    public static bool Applies(GgmlType type, int batch, SimdLevel level) => type switch
    {
        GgmlType.Q8_0 => Applies<Q8_0>(batch, level),
        GgmlType.Q4_0 => Applies<Q4_0>(batch, level),
        _ => false,
    };

    /// <summary>y[b, r] = Σ_c W[r, c]·x[b, c] for r in [rowStart, rowEnd); x is [batch, cols], y is [batch, rows].
    /// <paramref name="quantizedX"/>, when given, is x already quantized; otherwise this thread quantizes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T>(T* w, int rows, int cols, ReadOnlySpan<float> x, int batch, float* y, int rowStart, int rowEnd,
        TiledByteActivations? quantizedX = null)
        where T : unmanaged, IBlock32<T>
    {
        Debug.Assert(cols % Weights == 0 && IsSupported);
        var count = cols / Weights;
        var activations = quantizedX;
        if (activations is null)
        {
            activations = TiledByteActivations.ForCurrentThread();
            activations.Quantize(x, batch, cols, SimdLevel.Vector256);
        }
        Debug.Assert(activations.Batch == batch && activations.Cols == cols);
        var padded = Block32Kernels.PaddedScales(RowChunk * count);
        var scales = Scratch(ref t_scales, padded);
        var halves = Scratch(ref t_halves, padded);
        var results = stackalloc float[4 * Tile];
        fixed (float* s = scales)
        fixed (ushort* h = halves)
            for (var r0 = rowStart; r0 < rowEnd; r0 += RowChunk)
            {
                var n = Math.Min(RowChunk, rowEnd - r0);
                T* chunk = w + (long)r0 * count;
                Block32Kernels.ScalesToSingle(chunk, n * count, h, s, SimdLevel.Vector512);
                for (var t = 0; t < activations.Tiles; t++)
                {
                    var live = Math.Min(Tile, batch - t * Tile);
                    var xq = activations.Values(t);
                    var xs = activations.Scales(t);
                    var xsums = activations.NegatedSums(t);
                    // While the first tile meets this chunk, the next chunk's rows are prefetched.
                    var next = t == 0 && r0 + RowChunk < rowEnd ? (byte*)(chunk + (long)RowChunk * count) : null;
                    var k = 0;
                    for (; k + 4 <= n; k += 4)
                    {
                        Dot4(chunk + (long)k * count, count, s + k * count, xq, xs, xsums, results,
                            next == null ? null : next + (long)k * count * sizeof(T));
                        Store(results, 4, live, y + (long)t * Tile * rows + r0 + k, rows);
                    }
                    for (; k < n; k++)
                    {
                        Dot1(chunk + (long)k * count, count, s + k * count, xq, xs, xsums, results);
                        Store(results, 1, live, y + (long)t * Tile * rows + r0 + k, rows);
                    }
                }
                // (the next tile reads the same rows again, from L2)
            }
    }

    // results [weight row j, x row k] → y[(tile row k) · rows + j].
    private static void Store(float* results, int weightRows, int live, float* y, int rows)
    {
        for (var j = 0; j < weightRows; j++)
            for (var k = 0; k < live; k++)
                y[(long)k * rows + j] = results[j * Tile + k];
    }

    /// <summary>The plain reference for <see cref="Run{T}"/>: x quantized by the scalar path, then per
    /// block the integer dot product of the signed weights and q, accumulated times x scale · weight
    /// scale with a fused multiply-add in block order — the same operations as the vector path, so the
    /// results agree exactly.</summary>
    public static void RunScalar<T>(T* w, int rows, int cols, ReadOnlySpan<float> x, int batch, float* y, int rowStart, int rowEnd)
        where T : unmanaged, IBlock32<T>
    {
        var count = cols / Weights;
        var activations = new TiledByteActivations();
        activations.Quantize(x, batch, cols, SimdLevel.Scalar);
        var row = stackalloc int[Weights];
        for (var r = rowStart; r < rowEnd; r++)
            for (var b = 0; b < batch; b++)
            {
                var sum = 0f;
                for (var i = 0; i < count; i++)
                {
                    var block = w + (long)r * count + i;
                    SignedWeights(block, row);
                    var isum = 0;
                    for (var j = 0; j < Weights; j++)
                        isum += row[j] * activations.Quantized(b, i * Weights + j);
                    sum = MathF.FusedMultiplyAdd(isum, activations.Scale(b, i) * F16.ToSingle(T.ScaleBits(block)), sum);
                }
                y[(long)b * rows + r] = sum;
            }
    }

    // The block's 32 weights as signed integers (Q4_0: nibble − 8), in order.
    private static void SignedWeights<T>(T* block, int* destination) where T : unmanaged
    {
        if (typeof(T) == typeof(Q8_0))
            for (var j = 0; j < Weights; j++)
                destination[j] = ((Q8_0*)block)->Qs[j];
        else
            for (var j = 0; j < Weights / 2; j++)
            {
                var q = ((Q4_0*)block)->Qs[j];
                destination[j] = (q & 0xF) - 8;
                destination[j + 16] = (q >> 4) - 8;
            }
    }

    private static T[] Scratch<T>(ref T[]? field, int length)
    {
        if (field == null || field.Length < length)
            field = new T[length];
        return field;
    }

    // Weights 4g..4g+3 of a Q8_0 block, broadcast, plus 128 (unsigned).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Q8Bytes(byte* qs, int g) =>
        Vector256.Create(*(int*)(qs + 4 * g)).AsByte() ^ Vector256.Create((byte)0x80);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dpbusd(Vector256<int> sums, Vector256<byte> weights, Vector256<sbyte> x) =>
        AvxVnni.MultiplyWideningAndAdd(sums, weights, x);

    // Σ over one Q8_0 block of (w + 128)·x − 128·Σx for the tile's eight x rows (x0..x7: its vectors g).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> BlockQ8(byte* qs, Vector256<int> correction,
        Vector256<sbyte> x0, Vector256<sbyte> x1, Vector256<sbyte> x2, Vector256<sbyte> x3,
        Vector256<sbyte> x4, Vector256<sbyte> x5, Vector256<sbyte> x6, Vector256<sbyte> x7)
    {
        var a = Dpbusd(correction, Q8Bytes(qs, 0), x0);
        var b = Dpbusd(Vector256<int>.Zero, Q8Bytes(qs, 1), x1);
        a = Dpbusd(a, Q8Bytes(qs, 2), x2);
        b = Dpbusd(b, Q8Bytes(qs, 3), x3);
        a = Dpbusd(a, Q8Bytes(qs, 4), x4);
        b = Dpbusd(b, Q8Bytes(qs, 5), x5);
        a = Dpbusd(a, Q8Bytes(qs, 6), x6);
        b = Dpbusd(b, Q8Bytes(qs, 7), x7);
        return a + b;
    }

    // Σ over one Q4_0 block of q'·x − 8·Σx (q' = the stored nibble = q + 8): dword g of the 16 bytes
    // holds weights 4g..4g+3 in its low nibbles and 16+4g..16+4g+3 in its high nibbles.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> BlockQ4(byte* qs, Vector256<int> correction,
        Vector256<sbyte> x0, Vector256<sbyte> x1, Vector256<sbyte> x2, Vector256<sbyte> x3,
        Vector256<sbyte> x4, Vector256<sbyte> x5, Vector256<sbyte> x6, Vector256<sbyte> x7)
    {
        var mask = Vector256.Create((byte)0xF);
        var v0 = Vector256.Create(*(int*)qs).AsByte();
        var v1 = Vector256.Create(*(int*)(qs + 4)).AsByte();
        var v2 = Vector256.Create(*(int*)(qs + 8)).AsByte();
        var v3 = Vector256.Create(*(int*)(qs + 12)).AsByte();
        var a = Dpbusd(correction, v0 & mask, x0);
        var b = Dpbusd(Vector256<int>.Zero, Vector256.ShiftRightLogical(v0.AsUInt16(), 4).AsByte() & mask, x4);
        a = Dpbusd(a, v1 & mask, x1);
        b = Dpbusd(b, Vector256.ShiftRightLogical(v1.AsUInt16(), 4).AsByte() & mask, x5);
        a = Dpbusd(a, v2 & mask, x2);
        b = Dpbusd(b, Vector256.ShiftRightLogical(v2.AsUInt16(), 4).AsByte() & mask, x6);
        a = Dpbusd(a, v3 & mask, x3);
        b = Dpbusd(b, Vector256.ShiftRightLogical(v3.AsUInt16(), 4).AsByte() & mask, x7);
        return a + b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Block<T>(T* block, Vector256<int> correction,
        Vector256<sbyte> x0, Vector256<sbyte> x1, Vector256<sbyte> x2, Vector256<sbyte> x3,
        Vector256<sbyte> x4, Vector256<sbyte> x5, Vector256<sbyte> x6, Vector256<sbyte> x7) where T : unmanaged =>
        typeof(T) == typeof(Q8_0)
            ? BlockQ8((byte*)((Q8_0*)block)->Qs, correction, x0, x1, x2, x3, x4, x5, x6, x7)
            : BlockQ4(((Q4_0*)block)->Qs, correction, x0, x1, x2, x3, x4, x5, x6, x7);

    // −offset·Σx from the tile's −Σx: Q8_0 offset 128, Q4_0 offset 8.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Correction<T>(int* negatedSums) where T : unmanaged =>
        Vector256.ShiftLeft(Vector256.Load(negatedSums), typeof(T) == typeof(Q8_0) ? 7 : 3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Accumulate(Vector256<int> sums, Vector256<float> xScales, float weightScale, Vector256<float> total) =>
        Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums), xScales * Vector256.Create(weightScale), total);

    // Four consecutive weight rows (w, w + count, …; their block scales as floats at s, s + count, …)
    // against one tile of eight x rows: results[j · 8 + k] = row j · x row k.
    // With a prefetch address, the same four rows RowChunk rows on are fetched into the cache as the
    // loop goes (four rows of blocks are contiguous: sizeof(T) · 4 bytes per block index).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4<T>(T* w, int count, float* s, sbyte* xq, float* xs, int* xsums, float* results, byte* prefetch) where T : unmanaged
    {
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        T* w1 = w + count, w2 = w1 + count, w3 = w2 + count;
        float* s1 = s + count, s2 = s1 + count, s3 = s2 + count;
        var step = 4 * sizeof(T);
        for (var i = 0; i < count; i++, xq += TileBlockBytes)
        {
            if (prefetch != null)
            {
                Sse.Prefetch0(prefetch + i * step);
                Sse.Prefetch0(prefetch + i * step + 64);
                Sse.Prefetch0(prefetch + i * step + 127);
            }
            var x0 = Vector256.Load(xq);
            var x1 = Vector256.Load(xq + 32);
            var x2 = Vector256.Load(xq + 64);
            var x3 = Vector256.Load(xq + 96);
            var x4 = Vector256.Load(xq + 128);
            var x5 = Vector256.Load(xq + 160);
            var x6 = Vector256.Load(xq + 192);
            var x7 = Vector256.Load(xq + 224);
            var correction = Correction<T>(xsums + i * Tile);
            var scales = Vector256.Load(xs + i * Tile);
            f0 = Accumulate(Block(w + i, correction, x0, x1, x2, x3, x4, x5, x6, x7), scales, s[i], f0);
            f1 = Accumulate(Block(w1 + i, correction, x0, x1, x2, x3, x4, x5, x6, x7), scales, s1[i], f1);
            f2 = Accumulate(Block(w2 + i, correction, x0, x1, x2, x3, x4, x5, x6, x7), scales, s2[i], f2);
            f3 = Accumulate(Block(w3 + i, correction, x0, x1, x2, x3, x4, x5, x6, x7), scales, s3[i], f3);
        }
        f0.Store(results);
        f1.Store(results + Tile);
        f2.Store(results + 2 * Tile);
        f3.Store(results + 3 * Tile);
    }

    // One weight row against one tile (the rows of a range left over after its groups of four).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot1<T>(T* w, int count, float* s, sbyte* xq, float* xs, int* xsums, float* results) where T : unmanaged
    {
        var f = Vector256<float>.Zero;
        for (var i = 0; i < count; i++, xq += TileBlockBytes)
        {
            var sums = Block(w + i, Correction<T>(xsums + i * Tile),
                Vector256.Load(xq), Vector256.Load(xq + 32), Vector256.Load(xq + 64), Vector256.Load(xq + 96),
                Vector256.Load(xq + 128), Vector256.Load(xq + 160), Vector256.Load(xq + 192), Vector256.Load(xq + 224));
            f = Accumulate(sums, Vector256.Load(xs + i * Tile), s[i], f);
        }
        f.Store(results);
    }
}
