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
