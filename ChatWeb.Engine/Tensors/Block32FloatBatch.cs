using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// The matrix product for Q8_0 and Q4_0 weights at batch ≥ <see cref="MinBatch"/> on AVX-512 CPUs
/// without AVX-VNNI (with it, <see cref="Block32ByteBatch"/> takes these batches: about 2.7 times
/// faster per call at batch 8 and 64 on this project's AMD EPYC; narrower levels and smaller batches
/// keep the integer kernels):
/// each weight row is dequantized ONCE to floats (scale folded in), then every batch row is dotted
/// with it by float FMA from the float activations (x is not quantized on this path).
/// </summary>
/// <remarks>
/// The integer kernels (<see cref="Block32Kernels"/>) unpack a block once but still pay vpmaddwd,
/// a conversion and an FMA per block and x row; here each block and x row is two FMAs. Weight rows go
/// <see cref="RowChunk"/> at a time into a per-thread float scratch, and meet the batch
/// four rows at a time: four weight rows × four x rows in 16 accumulators, so each load feeds four
/// FMAs, and a group of x rows stays in L1/L2 while it meets the whole chunk.
/// NOTE: batch ≥ <see cref="MinBatch"/> uses float activations while batch 1 (and smaller batches)
/// use 14-bit integer ones, so a quantized model's logits differ slightly (about 1e-3 relative)
/// between a sequence decoded alone and the same sequence decoded in a batch.
/// </remarks>
internal static unsafe class Block32FloatBatch
{
    /// <summary>The smallest batch that takes this path, chosen on the whole model rather than one matrix
    /// (`bench-serve` on a Qwen2.5-0.5B-shaped Q8_0 file, 2 threads, total tok/s with this threshold):
    /// 2 → batch 2 slower than the integer kernels (40.9 vs 57.0); 4 → batch 4 79.1 (integer 50.4) and
    /// batch 8 107.8 (integer 55.8). Per matrix at batch 8 the short rows (4864×896) alone were a little
    /// slower (804 → 918 µs), but the model as a whole gains.</summary>
    public const int MinBatch = 4;

    private const int Weights = 32;
    private const int RowChunk = 16;
    
    [ThreadStatic] private static float[]? t_rows;
    [ThreadStatic] private static ushort[]? t_halves;
    [ThreadStatic] private static float[]? t_scales;

    public static bool Applies<T>(int batch, SimdLevel level) where T : unmanaged =>
        batch >= MinBatch && level == SimdLevel.Vector512 && (typeof(T) == typeof(Q8_0) || typeof(T) == typeof(Q4_0));

    /// <summary>y[b, r] = Σ_c W[r, c]·x[b, c] for r in [rowStart, rowEnd); y is [batch, rows].</summary>
    public static void Run<T>(T* w, int rows, int cols, float* x, int batch, float* y, int rowStart, int rowEnd)
        where T : unmanaged, IBlock32<T>
    {
        Debug.Assert(cols % Weights == 0);
        var count = cols / Weights;
        var padded = Block32Kernels.PaddedScales(RowChunk * count);
        var rowFloats = Scratch(ref t_rows, RowChunk * cols);
        var halves = Scratch(ref t_halves, padded);
        var scales = Scratch(ref t_scales, padded);
        fixed (float* dequantized = rowFloats)
        fixed (ushort* h = halves)
        fixed (float* s = scales)
        {
            for (var r0 = rowStart; r0 < rowEnd; r0 += RowChunk)
            {
                var n = Math.Min(RowChunk, rowEnd - r0);
                T* chunk = w + (long)r0 * count;
                Block32Kernels.ScalesToSingle(chunk, n * count, h, s, SimdLevel.Vector512);
                for (var k = 0; k < n; k++)
                    DequantizeRow(chunk + (long)k * count, count, s + k * count, dequantized + k * cols);
                var b = 0;
                for (; b + 4 <= batch; b += 4)
                {
                    var k = 0;
                    for (; k + 4 <= n; k += 4)
                        Dot4x4(dequantized + k * cols, x + (long)b * cols, cols, y + (long)b * rows + r0 + k, rows);
                    for (; k < n; k++)
                        Dot4(dequantized + k * cols, x + (long)b * cols, cols, y + (long)b * rows + r0 + k, rows);
                }
                for (; b < batch; b++)
                    for (var k = 0; k < n; k++)
                        y[(long)b * rows + r0 + k] = Dot1(dequantized + k * cols, x + (long)b * cols, cols);
            }
        }
    }

    /// <summary>The plain reference for <see cref="Run{T}"/>: each row dequantized by the type's
    /// scalar dequantizer, then a float dot product with each x row.</summary>
    public static void RunScalar<T>(T* w, int rows, int cols, float* x, int batch, float* y, int rowStart, int rowEnd)
        where T : unmanaged, IQuantizedBlock<T>
    {
        var count = cols / Weights;
        var row = new float[cols];
        fixed (float* d = row)
            for (var r = rowStart; r < rowEnd; r++)
            {
                T.Dequantize(w + (long)r * count, count, d);
                for (var b = 0; b < batch; b++)
                {
                    var sum = 0f;
                    for (var c = 0; c < cols; c++)
                        sum += d[c] * x[(long)b * cols + c];
                    y[(long)b * rows + r] = sum;
                }
            }
    }

    private static TElement[] Scratch<TElement>(ref TElement[]? field, int length)
    {
        if (field == null || field.Length < length)
            field = new TElement[length];
        return field;
    }

    private static void DequantizeRow<T>(T* w, int count, float* scales, float* destination)
        where T : unmanaged
    {
        for (var i = 0; i < count; i++, destination += Weights)
        {
            var d = Vector512.Create(scales[i]);
            Vector512<int> lo, hi;
            if (typeof(T) == typeof(Q8_0))
            {
                // vpmovsxbd: the 32 signed bytes as two vectors of 16 int32.
                var q = ((Q8_0*)w + i)->Qs;
                lo = Avx512F.ConvertToVector512Int32(Vector128.Load(q));
                hi = Avx512F.ConvertToVector512Int32(Vector128.Load(q + 16));
            }
            else
            {
                // vpmovzxbd the 16 bytes; low nibbles are weights 0..15, high nibbles 16..31; minus 8.
                var q = Avx512F.ConvertToVector512Int32(Vector128.Load(((Q4_0*)w + i)->Qs));
                var eight = Vector512.Create(8);
                lo = (q & Vector512.Create(0xF)) - eight;
                hi = Avx512F.ShiftRightLogical(q, 4) - eight;
            }
            (Avx512F.ConvertToVector512Single(lo) * d).Store(destination);
            (Avx512F.ConvertToVector512Single(hi) * d).Store(destination + 16);
        }
    }

    // Four dequantized weight rows (cols apart) against four x rows: each load feeds four FMAs.
    // y[b * yStride + k] for x row b and weight row k.
    private static void Dot4x4(float* w, float* x, int cols, float* y, int yStride)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        for (var c = 0; c < cols; c += 16)
        {
            var w0 = Vector512.Load(w + c);
            var w1 = Vector512.Load(w + cols + c);
            var w2 = Vector512.Load(w + 2 * cols + c);
            var w3 = Vector512.Load(w + 3 * cols + c);
            var xv = Vector512.Load(x + c);
            a00 = Avx512F.FusedMultiplyAdd(w0, xv, a00);
            a01 = Avx512F.FusedMultiplyAdd(w1, xv, a01);
            a02 = Avx512F.FusedMultiplyAdd(w2, xv, a02);
            a03 = Avx512F.FusedMultiplyAdd(w3, xv, a03);
            xv = Vector512.Load(x + cols + c);
            a10 = Avx512F.FusedMultiplyAdd(w0, xv, a10);
            a11 = Avx512F.FusedMultiplyAdd(w1, xv, a11);
            a12 = Avx512F.FusedMultiplyAdd(w2, xv, a12);
            a13 = Avx512F.FusedMultiplyAdd(w3, xv, a13);
            xv = Vector512.Load(x + 2 * cols + c);
            a20 = Avx512F.FusedMultiplyAdd(w0, xv, a20);
            a21 = Avx512F.FusedMultiplyAdd(w1, xv, a21);
            a22 = Avx512F.FusedMultiplyAdd(w2, xv, a22);
            a23 = Avx512F.FusedMultiplyAdd(w3, xv, a23);
            xv = Vector512.Load(x + 3 * cols + c);
            a30 = Avx512F.FusedMultiplyAdd(w0, xv, a30);
            a31 = Avx512F.FusedMultiplyAdd(w1, xv, a31);
            a32 = Avx512F.FusedMultiplyAdd(w2, xv, a32);
            a33 = Avx512F.FusedMultiplyAdd(w3, xv, a33);
        }
        Store(y, a00, a01, a02, a03);
        Store(y + yStride, a10, a11, a12, a13);
        Store(y + 2 * yStride, a20, a21, a22, a23);
        Store(y + 3 * yStride, a30, a31, a32, a33);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* y, Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3)
    {
        y[0] = Block32Kernels.Sum(a0);
        y[1] = Block32Kernels.Sum(a1);
        y[2] = Block32Kernels.Sum(a2);
        y[3] = Block32Kernels.Sum(a3);
    }

    private static void Dot4(float* w, float* x, int cols, float* y, int yStride)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (var c = 0; c < cols; c += 16)
        {
            var wv = Vector512.Load(w + c);
            var xc = x + c;
            a0 = Avx512F.FusedMultiplyAdd(wv, Vector512.Load(xc), a0);
            a1 = Avx512F.FusedMultiplyAdd(wv, Vector512.Load(xc + cols), a1);
            a2 = Avx512F.FusedMultiplyAdd(wv, Vector512.Load(xc + 2 * cols), a2);
            a3 = Avx512F.FusedMultiplyAdd(wv, Vector512.Load(xc + 3 * cols), a3);
        }
        y[0] = Block32Kernels.Sum(a0);
        y[yStride] = Block32Kernels.Sum(a1);
        y[2 * yStride] = Block32Kernels.Sum(a2);
        y[3 * yStride] = Block32Kernels.Sum(a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot1(float* w, float* x, int cols)
    {
        var a0 = Vector512<float>.Zero;
        var a1 = Vector512<float>.Zero;
        for (var c = 0; c < cols; c += 32)
        {
            a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(w + c), Vector512.Load(x + c), a0);
            a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(w + c + 16), Vector512.Load(x + c + 16), a1);
        }
        return Block32Kernels.Sum(a0 + a1);
    }
}
