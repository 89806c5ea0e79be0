using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ChatWeb.Engine.Tensors;

namespace ChatWeb.Engine.Model;

/// <summary>
/// The two products of attention for a tile of query vectors — several rows of one sequence times the
/// query heads of one key/value head — over the same keys and values, as small matrix products:
/// scores[j, t] = q_j·k_t, then out_j = Σ_t scores[j, t]·v_t.
/// </summary>
/// <remarks>
/// Keys come as the cache holds them ([dimension, position], <c>stride</c> floats apart); values
/// transposed to [position, dimension] (<see cref="Transpose"/>), so both products broadcast one
/// number and multiply-add it into whole vectors, with no sums across lanes. A block of 64 positions'
/// keys (or values) stays in the level-1 cache while every query vector of the tile passes over it:
/// a prompt row after 2,000 tokens of history no longer streams the history from level 2 once per
/// row and four heads, and the fused multiply-adds on 512-bit vectors do four times the work per
/// instruction of the per-row kernels' separate multiply and add on 256 bits.
/// Four query vectors at a time: a tile whose count is not a multiple of four computes its last
/// vector more than once (the same numbers to the same place).
/// Four prompt rows × 7 heads × 64 dimensions over 1,950 positions (a Qwen2.5-0.5B key/value head,
/// <c>AttentionBenchmarkTests</c>, one thread, AVX-512, busy host, best of 300): 261 µs row by row, 102 µs
/// as a tile (27 → 68 GMAC/s), plus ~70 µs once per run of rows to transpose the values.
/// </remarks>
internal static unsafe class AttentionTileKernels
{
    private const int Pairs = 4;   // query vectors per pass
    private const int Block = 64;  // positions per level-1 block

    /// <summary>scores[j·scoresStride + t] = Σ_d q[j·headDim + d]·keys[d·stride + t] for j &lt; count, t &lt; positions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scores(float* q, int count, int headDim, float* keys, int stride, int positions, float* scores, int scoresStride,
        SimdLevel level)
    {
        for (var j = 0; j < count; j++)
            new Span<float>(scores + j * scoresStride, positions).Clear(); // the kernels add to it
        var t = 0;
        if (level == SimdLevel.Vector512)
            for (; t + Block <= positions; t += Block)
                for (var j = 0; j < count; j += Pairs)
                    Add512x4(keys + t, stride, headDim, q, j, count, headDim, scores + t, scoresStride);
        if (level >= SimdLevel.Vector256)
            for (; t + 8 <= positions; t += 8)
                for (var j = 0; j < count; j += Pairs)
                    Add256x4(keys + t, stride, headDim, q, j, count, headDim, scores + t, scoresStride);
        for (var j = 0; j < count; j++)
            ScoresScalar(q + j * headDim, 1, headDim, keys + t, stride, positions - t, scores + j * scoresStride + t, scoresStride);
    }

    /// <summary>The plain reference for <see cref="Scores"/> (and its last positions).</summary>
    public static void ScoresScalar(float* q, int count, int headDim, float* keys, int stride, int positions, float* scores, int scoresStride)
    {
        for (var j = 0; j < count; j++)
            for (var t = 0; t < positions; t++)
            {
                var sum = 0f;
                for (var d = 0; d < headDim; d++)
                    sum += q[j * headDim + d] * keys[(long)d * stride + t];
                scores[j * scoresStride + t] = sum;
            }
    }

    /// <summary>
    /// output[j·headDim + d] = Σ_t scores[j·scoresStride + t]·values[t·headDim + d] for j &lt; count, d &lt; headDim,
    /// t &lt; positions, the values laid out [position, dimension].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WeightedValues(float* scores, int scoresStride, int count, int positions, float* values, int headDim, float* output,
        SimdLevel level)
    {
        new Span<float>(output, count * headDim).Clear();
        for (var t = 0; t < positions; t += Block)
        {
            var length = Math.Min(Block, positions - t);
            var d = 0;
            if (level == SimdLevel.Vector512)
                for (; d + 64 <= headDim; d += 64)
                    for (var j = 0; j < count; j += Pairs)
                        Add512x4(values + (long)t * headDim + d, headDim, length, scores + t, j, count, scoresStride, output + d, headDim);
            if (level >= SimdLevel.Vector256)
                for (; d + 8 <= headDim; d += 8)
                    for (var j = 0; j < count; j += Pairs)
                        Add256x4(values + (long)t * headDim + d, headDim, length, scores + t, j, count, scoresStride, output + d, headDim);
            if (d < headDim)
                for (var j = 0; j < count; j++)
                    AddValuesScalar(scores + j * scoresStride + t, length, values + (long)t * headDim + d, headDim, headDim - d,
                        output + j * headDim + d);
        }
    }

    // Both products' inner kernel, for the four vectors i = j..j+3 (rows of x and of out, the last one
    // again when fewer are left): out_i[0..64) += Σ_n x_i[n]·rows[n·step + 0..64), rows of 64 floats
    // loaded once for all four into sixteen accumulators. Scores: rows = keys over a dimension each,
    // x = the query vectors; weighted values: rows = values of a position each, x = the scores.
    private static void Add512x4(float* rows, long step, int n, float* x, int j, int count, int xStride, float* output, int outStride)
    {
        float* x0 = At(x, j, count, xStride), x1 = At(x, j + 1, count, xStride), x2 = At(x, j + 2, count, xStride), x3 = At(x, j + 3, count, xStride);
        float* o0 = At(output, j, count, outStride), o1 = At(output, j + 1, count, outStride), o2 = At(output, j + 2, count, outStride), o3 = At(output, j + 3, count, outStride);
        Vector512<float> a0 = Vector512.Load(o0), a1 = Vector512.Load(o0 + 16), a2 = Vector512.Load(o0 + 32), a3 = Vector512.Load(o0 + 48);
        Vector512<float> b0 = Vector512.Load(o1), b1 = Vector512.Load(o1 + 16), b2 = Vector512.Load(o1 + 32), b3 = Vector512.Load(o1 + 48);
        Vector512<float> c0 = Vector512.Load(o2), c1 = Vector512.Load(o2 + 16), c2 = Vector512.Load(o2 + 32), c3 = Vector512.Load(o2 + 48);
        Vector512<float> e0 = Vector512.Load(o3), e1 = Vector512.Load(o3 + 16), e2 = Vector512.Load(o3 + 32), e3 = Vector512.Load(o3 + 48);
        var r = rows;
        for (var k = 0; k < n; k++, r += step)
        {
            var v0 = Vector512.Load(r);
            var v1 = Vector512.Load(r + 16);
            var v2 = Vector512.Load(r + 32);
            var v3 = Vector512.Load(r + 48);
            var s = Vector512.Create(x0[k]);
            a0 = Vector512.FusedMultiplyAdd(v0, s, a0);
            a1 = Vector512.FusedMultiplyAdd(v1, s, a1);
            a2 = Vector512.FusedMultiplyAdd(v2, s, a2);
            a3 = Vector512.FusedMultiplyAdd(v3, s, a3);
            s = Vector512.Create(x1[k]);
            b0 = Vector512.FusedMultiplyAdd(v0, s, b0);
            b1 = Vector512.FusedMultiplyAdd(v1, s, b1);
            b2 = Vector512.FusedMultiplyAdd(v2, s, b2);
            b3 = Vector512.FusedMultiplyAdd(v3, s, b3);
            s = Vector512.Create(x2[k]);
            c0 = Vector512.FusedMultiplyAdd(v0, s, c0);
            c1 = Vector512.FusedMultiplyAdd(v1, s, c1);
            c2 = Vector512.FusedMultiplyAdd(v2, s, c2);
            c3 = Vector512.FusedMultiplyAdd(v3, s, c3);
            s = Vector512.Create(x3[k]);
            e0 = Vector512.FusedMultiplyAdd(v0, s, e0);
            e1 = Vector512.FusedMultiplyAdd(v1, s, e1);
            e2 = Vector512.FusedMultiplyAdd(v2, s, e2);
            e3 = Vector512.FusedMultiplyAdd(v3, s, e3);
        }
        Store4(o0, a0, a1, a2, a3);
        Store4(o1, b0, b1, b2, b3);
        Store4(o2, c0, c1, c2, c3);
        Store4(o3, e0, e1, e2, e3);
    }

    // As Add512x4 over 8 floats.
    private static void Add256x4(float* rows, long step, int n, float* x, int j, int count, int xStride, float* output, int outStride)
    {
        float* x0 = At(x, j, count, xStride), x1 = At(x, j + 1, count, xStride), x2 = At(x, j + 2, count, xStride), x3 = At(x, j + 3, count, xStride);
        float* o0 = At(output, j, count, outStride), o1 = At(output, j + 1, count, outStride), o2 = At(output, j + 2, count, outStride), o3 = At(output, j + 3, count, outStride);
        Vector256<float> a = Vector256.Load(o0), b = Vector256.Load(o1), c = Vector256.Load(o2), e = Vector256.Load(o3);
        var r = rows;
        for (var k = 0; k < n; k++, r += step)
        {
            var v = Vector256.Load(r);
            a = Vector256.FusedMultiplyAdd(v, Vector256.Create(x0[k]), a);
            b = Vector256.FusedMultiplyAdd(v, Vector256.Create(x1[k]), b);
            c = Vector256.FusedMultiplyAdd(v, Vector256.Create(x2[k]), c);
            e = Vector256.FusedMultiplyAdd(v, Vector256.Create(x3[k]), e);
        }
        a.Store(o0);
        b.Store(o1);
        c.Store(o2);
        e.Store(o3);
    }

    /// <summary>The plain reference for <see cref="WeightedValues"/>.</summary>
    public static void WeightedValuesScalar(float* scores, int scoresStride, int count, int positions, float* values, int headDim, float* output)
    {
        new Span<float>(output, count * headDim).Clear();
        for (var j = 0; j < count; j++)
            AddValuesScalar(scores + j * scoresStride, positions, values, headDim, headDim, output + j * headDim);
    }

    // output[d] += Σ_t scores[t]·values[t·headDim + d] for d < dims
    private static void AddValuesScalar(float* scores, int positions, float* values, int headDim, int dims, float* output)
    {
        for (var d = 0; d < dims; d++)
        {
            var sum = output[d];
            for (var t = 0; t < positions; t++)
                sum += scores[t] * values[(long)t * headDim + d];
            output[d] = sum;
        }
    }

    /// <summary>target[t·dims + d] = source[d·stride + t]: the cache's [dimension, position] layout turned to [position, dimension].</summary>
    public static void Transpose(float* source, int stride, int dims, int positions, float* target)
    {
        // 16 positions at a time, so the target's block stays in the level-1 cache while the dimensions are walked
        for (var t0 = 0; t0 < positions; t0 += 16)
        {
            var end = Math.Min(positions, t0 + 16);
            for (var d = 0; d < dims; d++)
            {
                var s = source + (long)d * stride;
                for (var t = t0; t < end; t++)
                    target[(long)t * dims + d] = s[t];
            }
        }
    }

    // Query vector j's row (the last one's when fewer than four are left: its work twice, to the same place).
    private static float* At(float* p, int j, int count, int rowStride) => p + (long)Math.Min(j, count - 1) * rowStride;

    private static void Store4(float* p, Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
    {
        a.Store(p);
        b.Store(p + 16);
        c.Store(p + 32);
        d.Store(p + 48);
    }
}
