using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Inference.Tensors;

/// <summary>GGUF type Q4_0: blocks of 32 weights, each a 4-bit integer minus 8 times one
/// half-precision scale (18 bytes per 32 weights, 4.5 bits per weight).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct Q4_0 : IQuantizedBlock<Q4_0>
{
    public const int Weights = 32;

    /// <summary>The scale d as half-precision bits: weight i = d · (q_i − 8).</summary>
    public ushort D;

    /// <summary>The 4-bit q_i, two per byte: byte j holds q_j in its low nibble and q_{j+16} in
    /// its high nibble.</summary>
    public fixed byte Qs[Weights / 2];

    public static int BlockSize => Weights;
    public static bool NeedsGroupSums => false;

    public static void Dequantize(Q4_0* blocks, int count, float* destination)
    {
        for (var i = 0; i < count; i++)
        {
            var d = F16.ToSingle(blocks[i].D);
            for (var j = 0; j < Weights / 2; j++)
            {
                destination[i * Weights + j] = d * ((blocks[i].Qs[j] & 0xF) - 8);
                destination[i * Weights + j + 16] = d * ((blocks[i].Qs[j] >> 4) - 8);
            }
        }
    }

    public static float DotScalar(Q4_0* w, QuantizedActivations x, int b, int count)
    {
        var xq = x.Values(b);
        var xd = x.Scales(b);
        var sum = 0f;
        for (var i = 0; i < count; i++)
        {
            var xb = xq + i * Weights;
            var isum = 0;
            for (var j = 0; j < Weights / 2; j++)
                isum += ((w[i].Qs[j] & 0xF) - 8) * xb[j] + ((w[i].Qs[j] >> 4) - 8) * xb[j + 16];
            sum += isum * (F16.ToSingle(w[i].D) * xd[i]);
        }
        return sum;
    }

    public static float Dot(Q4_0* w, QuantizedActivations x, int b, int count, SimdLevel level) => level switch
    {
        SimdLevel.Vector512 => Dot512(w, x.Values(b), x.Scales(b), count),
        SimdLevel.Vector256 => Dot256(w, x.Values(b), x.Scales(b), count),
        SimdLevel.Vector128 => Dot128(w, x.Values(b), x.Scales(b), count),
        _ => DotScalar(w, x, b, count),
    };

    // Per block: zero-extend the 16 bytes to int16 (vpmovzxbw), split the nibbles (and, shift),
    // join them into the 32 weights in order, subtract 8, then vpmaddwd with x as for Q8_0.
    private static float Dot512(Q4_0* w, short* xq, float* xd, int count)
    {
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        var i = 0;
        for (; i + 2 <= count; i += 2)
        {
            acc0 = Avx512F.FusedMultiplyAdd(Block512(Unpack512(w + i), xq + i * Weights), Vector512.Create(F16.ToSingle(w[i].D) * xd[i]), acc0);
            acc1 = Avx512F.FusedMultiplyAdd(Block512(Unpack512(w + i + 1), xq + (i + 1) * Weights), Vector512.Create(F16.ToSingle(w[i + 1].D) * xd[i + 1]), acc1);
        }
        if (i < count)
            acc0 = Avx512F.FusedMultiplyAdd(Block512(Unpack512(w + i), xq + i * Weights), Vector512.Create(F16.ToSingle(w[i].D) * xd[i]), acc0);
        return Vector512.Sum(acc0 + acc1);
    }

    private static Vector512<float> Block512(Vector512<short> wq, short* x) =>
        Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(wq, Vector512.Load(x)));

    private static Vector512<short> Unpack512(Q4_0* block)
    {
        var (lo, hi) = Unpack256(block);
        return Vector512.Create(lo, hi);
    }

    private static (Vector256<short> Lo, Vector256<short> Hi) Unpack256(Q4_0* block)
    {
        var q = Avx2.ConvertToVector256Int16(Vector128.Load(block->Qs));
        var eight = Vector256.Create((short)8);
        return ((q & Vector256.Create((short)0xF)) - eight, Vector256.ShiftRightLogical(q, 4) - eight);
    }

    private static float Dot256(Q4_0* w, short* xq, float* xd, int count)
    {
        var acc = Vector256<float>.Zero;
        for (var i = 0; i < count; i++)
        {
            var (lo, hi) = Unpack256(w + i);
            acc = Fma.MultiplyAdd(QuantizedDot256.Block(lo, hi, xq + i * Weights), Vector256.Create(F16.ToSingle(w[i].D) * xd[i]), acc);
        }
        return Vector256.Sum(acc);
    }

    private static float Dot128(Q4_0* w, short* xq, float* xd, int count)
    {
        var acc = Vector128<float>.Zero;
        var mask = Vector128.Create((short)0xF);
        var eight = Vector128.Create((short)8);
        for (var i = 0; i < count; i++)
        {
            var (a, b) = Vector128.Widen(Vector128.Load(w[i].Qs));
            var qa = a.AsInt16();
            var qb = b.AsInt16();
            var x = xq + i * Weights;
            var sums = QuantizedDot128.MultiplyAdd((qa & mask) - eight, Vector128.Load(x))
                     + QuantizedDot128.MultiplyAdd((qb & mask) - eight, Vector128.Load(x + 8))
                     + QuantizedDot128.MultiplyAdd(Vector128.ShiftRightLogical(qa, 4) - eight, Vector128.Load(x + 16))
                     + QuantizedDot128.MultiplyAdd(Vector128.ShiftRightLogical(qb, 4) - eight, Vector128.Load(x + 24));
            acc += Vector128.ConvertToSingle(sums) * Vector128.Create(F16.ToSingle(w[i].D) * xd[i]);
        }
        return Vector128.Sum(acc);
    }

    public static void Dot4(Q4_0* w, QuantizedActivations x, int b, int count, float* results, SimdLevel level)
    {
        if (level >= SimdLevel.Vector512)
            Dot4x512(w, x, b, count, results);
        else
            Dot4x256(w, x, b, count, results);
    }

    private static void Dot4x512(Q4_0* w, QuantizedActivations x, int b, int count, float* results)
    {
        short* x0 = x.Values(b), x1 = x.Values(b + 1), x2 = x.Values(b + 2), x3 = x.Values(b + 3);
        float* d0 = x.Scales(b), d1 = x.Scales(b + 1), d2 = x.Scales(b + 2), d3 = x.Scales(b + 3);
        Vector512<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (var i = 0; i < count; i++)
        {
            var wq = Unpack512(w + i);
            var dw = Vector512.Create(F16.ToSingle(w[i].D));
            var o = i * Weights;
            acc0 = Avx512F.FusedMultiplyAdd(Block512(wq, x0 + o) * Vector512.Create(d0[i]), dw, acc0);
            acc1 = Avx512F.FusedMultiplyAdd(Block512(wq, x1 + o) * Vector512.Create(d1[i]), dw, acc1);
            acc2 = Avx512F.FusedMultiplyAdd(Block512(wq, x2 + o) * Vector512.Create(d2[i]), dw, acc2);
            acc3 = Avx512F.FusedMultiplyAdd(Block512(wq, x3 + o) * Vector512.Create(d3[i]), dw, acc3);
        }
        results[0] = Vector512.Sum(acc0);
        results[1] = Vector512.Sum(acc1);
        results[2] = Vector512.Sum(acc2);
        results[3] = Vector512.Sum(acc3);
    }

    private static void Dot4x256(Q4_0* w, QuantizedActivations x, int b, int count, float* results)
    {
        short* x0 = x.Values(b), x1 = x.Values(b + 1), x2 = x.Values(b + 2), x3 = x.Values(b + 3);
        float* d0 = x.Scales(b), d1 = x.Scales(b + 1), d2 = x.Scales(b + 2), d3 = x.Scales(b + 3);
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (var i = 0; i < count; i++)
        {
            var (lo, hi) = Unpack256(w + i);
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
