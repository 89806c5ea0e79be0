using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// The matrix product for the 256-weight types (<see cref="IByteBlock256{TSelf}"/>) at every batch
/// size, with x quantized to 8 bits per 256 values (<see cref="ByteActivations256"/>, as llama.cpp's
/// Q8_K). Fewer than <see cref="UnpackedBatch"/> x rows (generation, a few users) meet each block decoded
/// straight from the file into registers (<see cref="IByteBlock256{TSelf}.Chunk"/>), four rows at a
/// time; larger batches (prompts) unpack each weight row once per call into bytes and 16 sub-block
/// scales and minimums (<see cref="UnpackedBytes"/>) that every x row reads.
/// </summary>
/// <remarks>
/// <para>Per block and batch row: Σ_k s_k·Σ_{n in k} q_n·x_n by vpmaddubsw (unsigned q × signed x,
/// pairs to int16: at most 2·63·127) and then vpdpwssd (AVX-VNNI: int16 pairs times the sub-block
/// scales, added to int32) or, without AVX-VNNI, vpmaddwd and an add; the minimums' Σ_k m_k·(Σ x over
/// k) is one vpmaddwd with the activations' sums per 16. Then, in float, d·d_x times the first and
/// −dmin·d_x times the second. Signed q (IQ4_XS) use |q| and x with q's sign (vpsignb), as
/// llama.cpp does. Integer lanes stay far inside int32 (8 chunks of 2·16002·128 at most).</para>
/// <para>The 32 bytes of chunk c (weights 32c..32c+31) make 16 pair lanes: lanes 0–7 belong to
/// sub-block 2c and 8–15 to 2c+1. The block's 16 scales come evens in the low 128 bits, odds in the
/// high (<see cref="EvensThenOdds"/>, or built so by the types with scales per 32), so one vpshufb per
/// chunk gives each lane its scale.</para>
/// <para>Large batches: <see cref="RowChunk"/> weight rows are unpacked (≈ 350 bytes a block:
/// 16 rows of 2048 weights ≈ 45 KB) and meet <see cref="BatchChunk"/> rows of x at a time, so both
/// stay in L2 while the weights are read from memory once per call. Levels below Vector256 run the
/// scalar reference <see cref="DotScalar{T}"/>, which reads the packed blocks one weight at a time.
/// In a batch, four x rows meet each unpacked block together, sharing its loads and scale shuffles.
/// Decoding in registers costs more per block than reading the unpacked copy, so it pays only while
/// few x rows share the unpacking (2048×2048 Q4_K, one thread: batch 2 106 µs a token against 198
/// unpacked, batch 4 67 against 113, batch 16 74 against 78, and a 512-token prompt 9% slower).</para>
/// </remarks>
internal static unsafe class ByteBlock256Kernels
{
    private const int Weights = 256;
    private const int RowChunk = 16;
    private const int BatchChunk = 64;
    private const int UnpackedBatch = 16; // from this batch size on, rows are unpacked once per call (see the remarks)

    [ThreadStatic] private static UnpackedBytes[]? t_unpacked;

    /// <summary>y[b, r] = Σ_c W[r, c]·x[b, c] for r in [rowStart, rowEnd); x is [batch, cols], y is
    /// [batch, rows]. <paramref name="vnni"/> false takes the kernels of a CPU without AVX-VNNI.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)] // optimized at first call, with its own inlining budget (README: kernel section)
    public static void Run<T>(T* w, int rows, int cols, ReadOnlySpan<float> x, int batch, float* y, int rowStart, int rowEnd,
        SimdLevel level, bool vnni = true)
        where T : unmanaged, IByteBlock256<T>
    {
        Debug.Assert(cols % Weights == 0);
        var count = cols / Weights;
        var activations = ByteActivations256.ForCurrentThread();
        activations.Quantize(x, batch, cols, level);
        if (level < SimdLevel.Vector256)
        {
            for (var r = rowStart; r < rowEnd; r++)
                for (var b = 0; b < batch; b++)
                    y[(long)b * rows + r] = DotScalar(w + (long)r * count, activations, b, count);
            return;
        }
        var useVnni = vnni && AvxVnni.IsSupported;
        if (batch < UnpackedBatch)
        {
            for (var r = rowStart; r < rowEnd; r++)
            {
                var row = w + (long)r * count;
                var b = 0;
                for (; b + 4 <= batch; b += 4)
                {
                    if (useVnni)
                        Dot4Packed<T, Vnni>(row, count, activations, b, y + (long)b * rows + r, rows);
                    else
                        Dot4Packed<T, NoVnni>(row, count, activations, b, y + (long)b * rows + r, rows);
                }
                for (; b < batch; b++)
                    y[(long)b * rows + r] = useVnni ? DotPacked<T, Vnni>(row, count, activations, b) : DotPacked<T, NoVnni>(row, count, activations, b);
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
                for (var k = 0; k < n; k++)
                {
                    var row = unpacked + k * count;
                    var b = b0;
                    for (; b + 4 <= b1; b += 4)
                    {
                        if (useVnni)
                            Dot4<T, Vnni>(row, count, activations, b, y + (long)b * rows + r0 + k, rows);
                        else
                            Dot4<T, NoVnni>(row, count, activations, b, y + (long)b * rows + r0 + k, rows);
                    }
                    var packedRow = w + (long)(r0 + k) * count; // the last rows of a tile (fewer than four) read the file's blocks
                    for (; b < b1; b++)
                        y[(long)b * rows + r0 + k] = useVnni ? DotPacked<T, Vnni>(packedRow, count, activations, b) : DotPacked<T, NoVnni>(packedRow, count, activations, b);
                }
            }
        }
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
        T.Chunk(block, 0).Store(u->Q);
        T.Chunk(block, 1).Store(u->Q + 32);
        T.Chunk(block, 2).Store(u->Q + 64);
        T.Chunk(block, 3).Store(u->Q + 96);
        T.Chunk(block, 4).Store(u->Q + 128);
        T.Chunk(block, 5).Store(u->Q + 160);
        T.Chunk(block, 6).Store(u->Q + 192);
        T.Chunk(block, 7).Store(u->Q + 224);
        T.SubScales(block, out var mins).Store(u->Scales);
        mins.Store(u->Mins);
        u->D = T.Scale(block);
        u->DMin = T.KernelMinScale(block);
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

    private interface IPairAdd
    {
        static abstract Vector256<int> Add(Vector256<int> sums, Vector256<short> pairs, Vector256<short> scales);
    }

    private readonly struct Vnni : IPairAdd
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Add(Vector256<int> sums, Vector256<short> pairs, Vector256<short> scales) =>
            AvxVnni.MultiplyWideningAndAdd(sums, pairs, scales);
    }

    private readonly struct NoVnni : IPairAdd
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Add(Vector256<int> sums, Vector256<short> pairs, Vector256<short> scales) =>
            sums + Avx2.MultiplyAddAdjacent(pairs, scales);
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

    // Chunk c of a block (its 32 q in qv) against four x rows (x0..x3): its scales picked once.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Chunk4<T, TAdd>(ref Vector256<int> s0, ref Vector256<int> s1, ref Vector256<int> s2, ref Vector256<int> s3,
        Vector256<byte> qv, sbyte* x0, sbyte* x1, sbyte* x2, sbyte* x3, Vector256<byte> scales, int c)
        where T : unmanaged, IByteBlock256<T> where TAdd : IPairAdd
    {
        var pick = Vector256.Create((short)(0x0100 + 0x0202 * c)).AsByte();
        var s = Avx2.Shuffle(scales, pick).AsInt16();
        if (T.SignedBytes)
        {
            var magnitude = Avx2.Abs(qv.AsSByte());
            s0 = TAdd.Add(s0, Avx2.MultiplyAddAdjacent(magnitude, Avx2.Sign(Vector256.Load(x0 + 32 * c), qv.AsSByte())), s);
            s1 = TAdd.Add(s1, Avx2.MultiplyAddAdjacent(magnitude, Avx2.Sign(Vector256.Load(x1 + 32 * c), qv.AsSByte())), s);
            s2 = TAdd.Add(s2, Avx2.MultiplyAddAdjacent(magnitude, Avx2.Sign(Vector256.Load(x2 + 32 * c), qv.AsSByte())), s);
            s3 = TAdd.Add(s3, Avx2.MultiplyAddAdjacent(magnitude, Avx2.Sign(Vector256.Load(x3 + 32 * c), qv.AsSByte())), s);
        }
        else
        {
            s0 = TAdd.Add(s0, Avx2.MultiplyAddAdjacent(qv, Vector256.Load(x0 + 32 * c)), s);
            s1 = TAdd.Add(s1, Avx2.MultiplyAddAdjacent(qv, Vector256.Load(x1 + 32 * c)), s);
            s2 = TAdd.Add(s2, Avx2.MultiplyAddAdjacent(qv, Vector256.Load(x2 + 32 * c)), s);
            s3 = TAdd.Add(s3, Avx2.MultiplyAddAdjacent(qv, Vector256.Load(x3 + 32 * c)), s);
        }
    }

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

    // One weight row against x rows b..b+3 (batches): y[j · yStride] = row · x_{b+j}.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)] // optimized at first call, with its own inlining budget (README: kernel section)
    private static void Dot4<T, TAdd>(UnpackedBytes* u, int count, ByteActivations256 x, int b, float* y, int yStride)
        where T : unmanaged, IByteBlock256<T> where TAdd : IPairAdd
    {
        sbyte* x0 = x.Values(b), x1 = x.Values(b + 1), x2 = x.Values(b + 2), x3 = x.Values(b + 3);
        short* m0 = x.Sums(b), m1 = x.Sums(b + 1), m2 = x.Sums(b + 2), m3 = x.Sums(b + 3);
        float* d0 = x.Scales(b), d1 = x.Scales(b + 1), d2 = x.Scales(b + 2), d3 = x.Scales(b + 3);
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        const int sums = Weights / ByteActivations256.SumSize;
        for (var i = 0; i < count; i++, u++)
        {
            var scales = Vector256.Load(u->Scales).AsByte();
            var q = u->Q;
            var o = i * Weights;
            Vector256<int> s0 = default, s1 = default, s2 = default, s3 = default;
            for (var c = 0; c < 8; c++)
                Chunk4<T, TAdd>(ref s0, ref s1, ref s2, ref s3, Vector256.Load(q + 32 * c), x0 + o, x1 + o, x2 + o, x3 + o, scales, c);
            var mins = Vector256.Load(u->Mins);
            f0 = Accumulate<T>(f0, s0, mins, u->D, u->DMin, m0 + i * sums, d0[i]);
            f1 = Accumulate<T>(f1, s1, mins, u->D, u->DMin, m1 + i * sums, d1[i]);
            f2 = Accumulate<T>(f2, s2, mins, u->D, u->DMin, m2 + i * sums, d2[i]);
            f3 = Accumulate<T>(f3, s3, mins, u->D, u->DMin, m3 + i * sums, d3[i]);
        }
        y[0] = Vector256.Sum(f0);
        y[yStride] = Vector256.Sum(f1);
        y[2 * yStride] = Vector256.Sum(f2);
        y[3 * yStride] = Vector256.Sum(f3);
    }

    // One weight row against x row b (generation, and the last rows of a batch's tile), each block decoded
    // straight from the file into registers (T.Chunk), so no unpacked copy is written and read back.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)] // optimized at first call, with its own inlining budget (README: kernel section)
    private static float DotPacked<T, TAdd>(T* w, int count, ByteActivations256 x, int b)
        where T : unmanaged, IByteBlock256<T> where TAdd : IPairAdd
    {
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

    // One weight row against x rows b..b+3 of a small batch: each block decoded into registers once
    // for the four rows.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)] // optimized at first call, with its own inlining budget (README: kernel section)
    private static void Dot4Packed<T, TAdd>(T* w, int count, ByteActivations256 x, int b, float* y, int yStride)
        where T : unmanaged, IByteBlock256<T> where TAdd : IPairAdd
    {
        sbyte* x0 = x.Values(b), x1 = x.Values(b + 1), x2 = x.Values(b + 2), x3 = x.Values(b + 3);
        short* m0 = x.Sums(b), m1 = x.Sums(b + 1), m2 = x.Sums(b + 2), m3 = x.Sums(b + 3);
        float* d0 = x.Scales(b), d1 = x.Scales(b + 1), d2 = x.Scales(b + 2), d3 = x.Scales(b + 3);
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        const int sums = Weights / ByteActivations256.SumSize;
        for (var i = 0; i < count; i++)
        {
            var block = w + i;
            var scales = T.SubScales(block, out var mins).AsByte();
            var o = i * Weights;
            Vector256<int> s0 = default, s1 = default, s2 = default, s3 = default;
            Chunk4<T, TAdd>(ref s0, ref s1, ref s2, ref s3, T.Chunk(block, 0), x0 + o, x1 + o, x2 + o, x3 + o, scales, 0);
            Chunk4<T, TAdd>(ref s0, ref s1, ref s2, ref s3, T.Chunk(block, 1), x0 + o, x1 + o, x2 + o, x3 + o, scales, 1);
            Chunk4<T, TAdd>(ref s0, ref s1, ref s2, ref s3, T.Chunk(block, 2), x0 + o, x1 + o, x2 + o, x3 + o, scales, 2);
            Chunk4<T, TAdd>(ref s0, ref s1, ref s2, ref s3, T.Chunk(block, 3), x0 + o, x1 + o, x2 + o, x3 + o, scales, 3);
            Chunk4<T, TAdd>(ref s0, ref s1, ref s2, ref s3, T.Chunk(block, 4), x0 + o, x1 + o, x2 + o, x3 + o, scales, 4);
            Chunk4<T, TAdd>(ref s0, ref s1, ref s2, ref s3, T.Chunk(block, 5), x0 + o, x1 + o, x2 + o, x3 + o, scales, 5);
            Chunk4<T, TAdd>(ref s0, ref s1, ref s2, ref s3, T.Chunk(block, 6), x0 + o, x1 + o, x2 + o, x3 + o, scales, 6);
            Chunk4<T, TAdd>(ref s0, ref s1, ref s2, ref s3, T.Chunk(block, 7), x0 + o, x1 + o, x2 + o, x3 + o, scales, 7);
            var (d, dmin) = (T.Scale(block), T.KernelMinScale(block));
            f0 = Accumulate<T>(f0, s0, mins, d, dmin, m0 + i * sums, d0[i]);
            f1 = Accumulate<T>(f1, s1, mins, d, dmin, m1 + i * sums, d1[i]);
            f2 = Accumulate<T>(f2, s2, mins, d, dmin, m2 + i * sums, d2[i]);
            f3 = Accumulate<T>(f3, s3, mins, d, dmin, m3 + i * sums, d3[i]);
        }
        y[0] = Vector256.Sum(f0);
        y[yStride] = Vector256.Sum(f1);
        y[2 * yStride] = Vector256.Sum(f2);
        y[3 * yStride] = Vector256.Sum(f3);
    }
}
