using System.Runtime.Intrinsics;

namespace ChatWeb.Engine.Model;

/// <summary>
/// The two products of one attention head over a sequence's cache, which holds each dimension's
/// values for all positions contiguously ([dimension, position], <c>stride</c> floats apart):
/// q·k for every position, and the score-weighted sum of the values.
/// </summary>
/// <remarks>
/// They were one <c>TensorPrimitives</c> call per dimension (128 calls of ~100 positions per head and
/// row), whose per-call cost and the scores' reload from memory on every call made attention about
/// 3–4 ms of an 8-row decoding step of a Qwen2.5-0.5B-shaped model. Here 32 positions' scores stay in
/// four registers while all dimensions are added in (in the same order and with the same unfused
/// multiply-add as before, so the scores are unchanged to the bit), and the values are dotted four
/// dimensions at a time, sharing each load of the scores.
/// </remarks>
internal static unsafe class AttentionKernels
{
    private const int Lanes = 8;

    /// <summary>scores[t] = Σ_d (q[d]·scale)·keys[d·stride + t] for t &lt; positions.</summary>
    public static void Scores(float* q, int headDim, float* keys, int stride, int positions, float scale, float* scores)
    {
        var t = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; t + 4 * Lanes <= positions; t += 4 * Lanes)
            {
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                var k = keys + t;
                for (var d = 0; d < headDim; d++, k += stride)
                {
                    var qd = Vector256.Create(q[d] * scale);
                    a0 += Vector256.Load(k) * qd;
                    a1 += Vector256.Load(k + Lanes) * qd;
                    a2 += Vector256.Load(k + 2 * Lanes) * qd;
                    a3 += Vector256.Load(k + 3 * Lanes) * qd;
                }
                a0.Store(scores + t);
                a1.Store(scores + t + Lanes);
                a2.Store(scores + t + 2 * Lanes);
                a3.Store(scores + t + 3 * Lanes);
            }
            for (; t + Lanes <= positions; t += Lanes)
            {
                var a = Vector256<float>.Zero;
                var k = keys + t;
                for (var d = 0; d < headDim; d++, k += stride)
                    a += Vector256.Load(k) * Vector256.Create(q[d] * scale);
                a.Store(scores + t);
            }
        }
        ScoresScalar(q, headDim, keys + t, stride, positions - t, scale, scores + t);
    }

    /// <summary>
    /// <see cref="Scores"/> for <paramref name="heads"/> query heads that read the same keys (q of head
    /// h at q + h·qStride, its scores at scores + h·scoresStride), four heads at a time sharing each
    /// key load, so the keys stream from the cache once per four heads rather than once per head.
    /// Every score is the same to the bit as <see cref="Scores"/>'s.
    /// </summary>
    public static void ScoresHeads(float* q, int qStride, int heads, int headDim, float* keys, int stride, int positions,
        float scale, float* scores, int scoresStride)
    {
        var h = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; heads - h >= 3; h += 4)
            {
                // three heads left: the third one's work twice (same values to the same place)
                var last = Math.Min(h + 3, heads - 1);
                Scores4(q + h * qStride, q + (h + 1) * qStride, q + (h + 2) * qStride, q + last * qStride, headDim, keys, stride,
                    positions, scale, scores + h * scoresStride, scores + (h + 1) * scoresStride, scores + (h + 2) * scoresStride,
                    scores + last * scoresStride);
            }
        for (; h < heads; h++)
            Scores(q + h * qStride, headDim, keys, stride, positions, scale, scores + h * scoresStride);
    }

    private static void Scores4(float* q0, float* q1, float* q2, float* q3, int headDim, float* keys, int stride, int positions,
        float scale, float* s0, float* s1, float* s2, float* s3)
    {
        var t = 0;
        for (; t + 2 * Lanes <= positions; t += 2 * Lanes)
        {
            Vector256<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
            var k = keys + t;
            for (var d = 0; d < headDim; d++, k += stride)
            {
                var (ka, kb) = (Vector256.Load(k), Vector256.Load(k + Lanes));
                var qd = Vector256.Create(q0[d] * scale);
                a0 += ka * qd;
                b0 += kb * qd;
                qd = Vector256.Create(q1[d] * scale);
                a1 += ka * qd;
                b1 += kb * qd;
                qd = Vector256.Create(q2[d] * scale);
                a2 += ka * qd;
                b2 += kb * qd;
                qd = Vector256.Create(q3[d] * scale);
                a3 += ka * qd;
                b3 += kb * qd;
            }
            a0.Store(s0 + t);
            b0.Store(s0 + t + Lanes);
            a1.Store(s1 + t);
            b1.Store(s1 + t + Lanes);
            a2.Store(s2 + t);
            b2.Store(s2 + t + Lanes);
            a3.Store(s3 + t);
            b3.Store(s3 + t + Lanes);
        }
        // the last positions one head at a time (as Scores: vectors of 8, then the plain loop)
        Scores(q0, headDim, keys + t, stride, positions - t, scale, s0 + t);
        Scores(q1, headDim, keys + t, stride, positions - t, scale, s1 + t);
        Scores(q2, headDim, keys + t, stride, positions - t, scale, s2 + t);
        Scores(q3, headDim, keys + t, stride, positions - t, scale, s3 + t);
    }

    /// <summary>
    /// <see cref="WeightedValues"/> for <paramref name="heads"/> query heads that read the same values
    /// (head h's scores at scores + h·scoresStride, its output at output + h·outputStride), four heads
    /// at a time sharing each value load; the same to the bit as <see cref="WeightedValues"/>.
    /// </summary>
    public static void WeightedValuesHeads(float* scores, int scoresStride, int heads, int positions, float* values, int stride,
        int headDim, float* output, int outputStride)
    {
        var h = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; heads - h >= 3; h += 4)
            {
                var last = Math.Min(h + 3, heads - 1);
                WeightedValues4(scores + h * scoresStride, scores + (h + 1) * scoresStride, scores + (h + 2) * scoresStride,
                    scores + last * scoresStride, positions, values, stride, headDim, output + h * outputStride,
                    output + (h + 1) * outputStride, output + (h + 2) * outputStride, output + last * outputStride);
            }
        for (; h < heads; h++)
            WeightedValues(scores + h * scoresStride, positions, values, stride, headDim, output + h * outputStride);
    }

    private static void WeightedValues4(float* s0, float* s1, float* s2, float* s3, int positions, float* values, int stride,
        int headDim, float* o0, float* o1, float* o2, float* o3)
    {
        var vectorDims = headDim / 4 * 4; // as WeightedValues: the last headDim mod 4 dimensions by the plain loop
        for (var d = 0; d < vectorDims; d += 2)
        {
            Vector256<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
            float* va = values + (long)d * stride, vb = va + stride;
            var t = 0;
            for (; t + Lanes <= positions; t += Lanes)
            {
                var (x, y) = (Vector256.Load(va + t), Vector256.Load(vb + t));
                var s = Vector256.Load(s0 + t);
                a0 += s * x;
                b0 += s * y;
                s = Vector256.Load(s1 + t);
                a1 += s * x;
                b1 += s * y;
                s = Vector256.Load(s2 + t);
                a2 += s * x;
                b2 += s * y;
                s = Vector256.Load(s3 + t);
                a3 += s * x;
                b3 += s * y;
            }
            (o0[d], o0[d + 1]) = Finish(a0, b0, s0, va, vb, t, positions);
            (o1[d], o1[d + 1]) = Finish(a1, b1, s1, va, vb, t, positions);
            (o2[d], o2[d + 1]) = Finish(a2, b2, s2, va, vb, t, positions);
            (o3[d], o3[d + 1]) = Finish(a3, b3, s3, va, vb, t, positions);
        }
        WeightedValuesScalar(s0, positions, values + (long)vectorDims * stride, stride, headDim - vectorDims, o0 + vectorDims);
        WeightedValuesScalar(s1, positions, values + (long)vectorDims * stride, stride, headDim - vectorDims, o1 + vectorDims);
        WeightedValuesScalar(s2, positions, values + (long)vectorDims * stride, stride, headDim - vectorDims, o2 + vectorDims);
        WeightedValuesScalar(s3, positions, values + (long)vectorDims * stride, stride, headDim - vectorDims, o3 + vectorDims);
    }

    // Two dimensions' lane sums, then the positions past the last full vector (as WeightedValues).
    private static (float, float) Finish(Vector256<float> a, Vector256<float> b, float* scores, float* va, float* vb, int t, int positions)
    {
        float ra = Vector256.Sum(a), rb = Vector256.Sum(b);
        for (; t < positions; t++)
        {
            ra += scores[t] * va[t];
            rb += scores[t] * vb[t];
        }
        return (ra, rb);
    }

    /// <summary>The plain reference for <see cref="Scores"/> (and its tail of fewer than 8 positions).</summary>
    public static void ScoresScalar(float* q, int headDim, float* keys, int stride, int positions, float scale, float* scores)
    {
        for (var t = 0; t < positions; t++)
        {
            var sum = 0f;
            for (var d = 0; d < headDim; d++)
                sum += keys[(long)d * stride + t] * (q[d] * scale);
            scores[t] = sum;
        }
    }

    /// <summary>output[d] = Σ_t scores[t]·values[d·stride + t] for d &lt; headDim, t &lt; positions.</summary>
    public static void WeightedValues(float* scores, int positions, float* values, int stride, int headDim, float* output)
    {
        if (!Vector256.IsHardwareAccelerated)
        {
            WeightedValuesScalar(scores, positions, values, stride, headDim, output);
            return;
        }
        var d = 0;
        for (; d + 4 <= headDim; d += 4)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            float* v0 = values + (long)d * stride, v1 = v0 + stride, v2 = v1 + stride, v3 = v2 + stride;
            var t = 0;
            for (; t + Lanes <= positions; t += Lanes)
            {
                var s = Vector256.Load(scores + t);
                a0 += s * Vector256.Load(v0 + t);
                a1 += s * Vector256.Load(v1 + t);
                a2 += s * Vector256.Load(v2 + t);
                a3 += s * Vector256.Load(v3 + t);
            }
            float r0 = Vector256.Sum(a0), r1 = Vector256.Sum(a1), r2 = Vector256.Sum(a2), r3 = Vector256.Sum(a3);
            for (; t < positions; t++)
            {
                r0 += scores[t] * v0[t];
                r1 += scores[t] * v1[t];
                r2 += scores[t] * v2[t];
                r3 += scores[t] * v3[t];
            }
            output[d] = r0;
            output[d + 1] = r1;
            output[d + 2] = r2;
            output[d + 3] = r3;
        }
        WeightedValuesScalar(scores, positions, values + (long)d * stride, stride, headDim - d, output + d);
    }

    /// <summary>The plain reference for <see cref="WeightedValues"/> (and its last dimensions when headDim is not a multiple of 4).</summary>
    public static void WeightedValuesScalar(float* scores, int positions, float* values, int stride, int headDim, float* output)
    {
        for (var d = 0; d < headDim; d++)
        {
            var sum = 0f;
            for (var t = 0; t < positions; t++)
                sum += scores[t] * values[(long)d * stride + t];
            output[d] = sum;
        }
    }
}
