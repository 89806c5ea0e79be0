using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Inference.Tensors;

/// <summary>GGUF type Q8_0: blocks of 32 weights, each a signed byte times one half-precision scale
/// (34 bytes per 32 weights, 8.5 bits per weight).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct Q8_0 : IQuantizedBlock<Q8_0>
{
    public const int Weights = 32;

    /// <summary>The scale d as half-precision bits: weight i = d · Qs[i].</summary>
    public ushort D;

    /// <summary>The 32 weights as signed 8-bit integers (−127..127 from ggml's quantizer).</summary>
    public fixed sbyte Qs[Weights];

    public static int BlockSize => Weights;
    public static bool NeedsGroupSums => false;

    public static void Dequantize(Q8_0* blocks, int count, float* destination)
    {
        for (var i = 0; i < count; i++)
        {
            var d = F16.ToSingle(blocks[i].D);
            for (var j = 0; j < Weights; j++)
                destination[i * Weights + j] = d * blocks[i].Qs[j];
        }
    }

    public static float DotScalar(Q8_0* w, QuantizedActivations x, int b, int count)
    {
        var xq = x.Values(b);
        var xd = x.Scales(b);
        var sum = 0f;
        for (var i = 0; i < count; i++)
        {
            var isum = 0;
            for (var j = 0; j < Weights; j++)
                isum += w[i].Qs[j] * xq[i * Weights + j];
            sum += isum * (F16.ToSingle(w[i].D) * xd[i]);
        }
        return sum;
    }

    public static float Dot(Q8_0* w, QuantizedActivations x, int b, int count, SimdLevel level) => level switch
    {
        SimdLevel.Vector512 => Dot512(w, x.Values(b), x.Scales(b), count),
        SimdLevel.Vector256 => Dot256(w, x.Values(b), x.Scales(b), count),
        SimdLevel.Vector128 => Dot128(w, x.Values(b), x.Scales(b), count),
        _ => DotScalar(w, x, b, count),
    };

    // Per block: sign-extend the 32 weights to int16 (vpmovsxbw), vpmaddwd with x (16 int32 sums
    // of pairs), convert to float and add times d_w·d_x. Two accumulators hide the FMA latency.
    private static float Dot512(Q8_0* w, short* xq, float* xd, int count)
    {
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        var i = 0;
        for (; i + 2 <= count; i += 2)
        {
            acc0 = Avx512F.FusedMultiplyAdd(Block512(w + i, xq + i * Weights), Vector512.Create(F16.ToSingle(w[i].D) * xd[i]), acc0);
            acc1 = Avx512F.FusedMultiplyAdd(Block512(w + i + 1, xq + (i + 1) * Weights), Vector512.Create(F16.ToSingle(w[i + 1].D) * xd[i + 1]), acc1);
        }
        if (i < count)
            acc0 = Avx512F.FusedMultiplyAdd(Block512(w + i, xq + i * Weights), Vector512.Create(F16.ToSingle(w[i].D) * xd[i]), acc0);
        return Vector512.Sum(acc0 + acc1);
    }

    private static Vector512<float> Block512(Q8_0* block, short* x) =>
        Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(Widen512(block), Vector512.Load(x)));

    private static Vector512<short> Widen512(Q8_0* block) => Avx512BW.ConvertToVector512Int16(Vector256.Load(block->Qs));

    private static float Dot256(Q8_0* w, short* xq, float* xd, int count)
    {
        var acc = Vector256<float>.Zero;
        for (var i = 0; i < count; i++)
        {
            var (lo, hi) = Widen256(w + i);
            var x = xq + i * Weights;
            var p = Avx2.MultiplyAddAdjacent(lo, Vector256.Load(x)) + Avx2.MultiplyAddAdjacent(hi, Vector256.Load(x + 16));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p), Vector256.Create(F16.ToSingle(w[i].D) * xd[i]), acc);
        }
        return Vector256.Sum(acc);
    }

    private static (Vector256<short> Lo, Vector256<short> Hi) Widen256(Q8_0* block) =>
        (Avx2.ConvertToVector256Int16(Vector128.Load(block->Qs)), Avx2.ConvertToVector256Int16(Vector128.Load(block->Qs + 16)));

    // Portable: int8 × int14 products do not fit int16, so both sides are widened to int32.
    private static float Dot128(Q8_0* w, short* xq, float* xd, int count)
    {
        var acc = Vector128<float>.Zero;
        for (var i = 0; i < count; i++)
        {
            var sums = Vector128<int>.Zero;
            for (var h = 0; h < Weights; h += 16)
            {
                var (w0, w1) = Vector128.Widen(Vector128.Load(w[i].Qs + h));
                sums += QuantizedDot128.MultiplyAdd(w0, Vector128.Load(xq + i * Weights + h))
                      + QuantizedDot128.MultiplyAdd(w1, Vector128.Load(xq + i * Weights + h + 8));
            }
            acc += Vector128.ConvertToSingle(sums) * Vector128.Create(F16.ToSingle(w[i].D) * xd[i]);
        }
        return Vector128.Sum(acc);
    }

    public static void Dot4(Q8_0* w, QuantizedActivations x, int b, int count, float* results, SimdLevel level)
    {
        if (level >= SimdLevel.Vector512)
            Dot4x512(w, x, b, count, results);
        else
            Dot4x256(w, x, b, count, results);
    }

    private static void Dot4x512(Q8_0* w, QuantizedActivations x, int b, int count, float* results)
    {
        short* x0 = x.Values(b), x1 = x.Values(b + 1), x2 = x.Values(b + 2), x3 = x.Values(b + 3);
        float* d0 = x.Scales(b), d1 = x.Scales(b + 1), d2 = x.Scales(b + 2), d3 = x.Scales(b + 3);
        Vector512<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (var i = 0; i < count; i++)
        {
            var wq = Widen512(w + i);
            var dw = Vector512.Create(F16.ToSingle(w[i].D));
            var o = i * Weights;
            acc0 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(wq, Vector512.Load(x0 + o))) * Vector512.Create(d0[i]), dw, acc0);
            acc1 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(wq, Vector512.Load(x1 + o))) * Vector512.Create(d1[i]), dw, acc1);
            acc2 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(wq, Vector512.Load(x2 + o))) * Vector512.Create(d2[i]), dw, acc2);
            acc3 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(wq, Vector512.Load(x3 + o))) * Vector512.Create(d3[i]), dw, acc3);
        }
        results[0] = Vector512.Sum(acc0);
        results[1] = Vector512.Sum(acc1);
        results[2] = Vector512.Sum(acc2);
        results[3] = Vector512.Sum(acc3);
    }

    private static void Dot4x256(Q8_0* w, QuantizedActivations x, int b, int count, float* results)
    {
        short* x0 = x.Values(b), x1 = x.Values(b + 1), x2 = x.Values(b + 2), x3 = x.Values(b + 3);
        float* d0 = x.Scales(b), d1 = x.Scales(b + 1), d2 = x.Scales(b + 2), d3 = x.Scales(b + 3);
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (var i = 0; i < count; i++)
        {
            var (lo, hi) = Widen256(w + i);
            var dw = Vector256.Create(F16.ToSingle(w[i].D));
            var o = i * Weights;
            acc0 = Fma.MultiplyAdd(QuantizedDot256.Block(lo, hi, x0 + o) * Vector256.Create(d0[i]), dw, acc0);
            acc1 = Fma.MultiplyAdd(QuantizedDot256.Block(lo, hi, x1 + o) * Vector256.Create(d1[i]), dw, acc1);
            acc2 = Fma.MultiplyAdd(QuantizedDot256.Block(lo, hi, x2 + o) * Vector256.Create(d2[i]), dw, acc2);
            acc3 = Fma.MultiplyAdd(QuantizedDot256.Block(lo, hi, x3 + o) * Vector256.Create(d3[i]), dw, acc3);
        }
        results[0] = Vector256.Sum(acc0);
        results[1] = Vector256.Sum(acc1);
        results[2] = Vector256.Sum(acc2);
        results[3] = Vector256.Sum(acc3);
    }
}
