using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// The dot-product loop shared by the K-quants (<see cref="Q4_K"/>, <see cref="Q6_K"/>): each
/// super-block is unpacked once into 256 int16 weights with the sub-block scales multiplied in,
/// then dotted with every batch row by vpmaddwd (so the unpacking is shared by the whole batch).
/// </summary>
/// <remarks>
/// Per batch row a vector accumulator adds (Σ u·x as float)·d·d_x per super-block; the Q4_K
/// minimums add −dmin·d_x·Σ_j min_j·(Σ x over group j) from <see cref="QuantizedActivations.GroupSums"/>.
/// Integer lanes stay within int32: at most 8 (512-bit) or 16 (256-bit) vpmaddwd results of
/// 2·4096·8191 each.
/// </remarks>
internal static unsafe class Block256Kernels
{
    private const int Weights = 256;
    private const int Groups = Weights / QuantizedActivations.GroupSize;
    private const int AccumulatorFloats = 16;

    public static void DotRow<T>(T* w, int count, QuantizedActivations x, int bStart, int bEnd, float* y, int yStride, SimdLevel level)
        where T : unmanaged, IBlock256<T>
    {
        var batch = bEnd - bStart;
        if (level < SimdLevel.Vector256)
        {
            for (var b = bStart; b < bEnd; b++)
                y[b * yStride] = level == SimdLevel.Scalar ? T.DotScalar(w, x, b, count) : T.Dot128(w, x, b, count);
            return;
        }
        // Scratch: the unpacked super-block (64-byte aligned), 8 minimums, then per batch row a
        // vector accumulator and a scalar one for the minimum terms.
        var scratch = x.RowScratch(Weights / 2 + 16 + Groups + batch * (AccumulatorFloats + 1));
        var u = (short*)(((nint)scratch + 63) & ~(nint)63);
        var mins = (int*)(u + Weights);
        var accumulators = (float*)(mins + Groups);
        var minTerms = accumulators + batch * AccumulatorFloats;
        new Span<float>(accumulators, batch * (AccumulatorFloats + 1)).Clear();

        for (var i = 0; i < count; i++)
        {
            T.Unpack(w + i, u, mins, level);
            var d = T.Scale(w + i);
            var dmin = T.MinScale(w + i);
            for (var k = 0; k < batch; k++)
            {
                var b = bStart + k;
                var xd = x.Scales(b)[i];
                var xq = x.Values(b) + i * Weights;
                var acc = accumulators + k * AccumulatorFloats;
                if (level == SimdLevel.Vector512)
                    Avx512F.FusedMultiplyAdd(Dot512(u, xq), Vector512.Create(d * xd), Vector512.Load(acc)).Store(acc);
                else
                    Fma.MultiplyAdd(Dot256(u, xq), Vector256.Create(d * xd), Vector256.Load(acc)).Store(acc);
                if (T.HasMins)
                {
                    var sums = x.GroupSums(b) + i * Groups;
                    var m = 0;
                    for (var j = 0; j < Groups; j++)
                        m += mins[j] * sums[j];
                    minTerms[k] += dmin * xd * m;
                }
            }
        }
        for (var k = 0; k < batch; k++)
        {
            var acc = accumulators + k * AccumulatorFloats;
            var sum = level == SimdLevel.Vector512 ? Vector512.Sum(Vector512.Load(acc)) : Vector256.Sum(Vector256.Load(acc));
            y[(bStart + k) * yStride] = sum - minTerms[k];
        }
    }

    private static Vector512<float> Dot512(short* u, short* x)
    {
        var s0 = Avx512BW.MultiplyAddAdjacent(Vector512.Load(u), Vector512.Load(x))
               + Avx512BW.MultiplyAddAdjacent(Vector512.Load(u + 32), Vector512.Load(x + 32));
        var s1 = Avx512BW.MultiplyAddAdjacent(Vector512.Load(u + 64), Vector512.Load(x + 64))
               + Avx512BW.MultiplyAddAdjacent(Vector512.Load(u + 96), Vector512.Load(x + 96));
        var s2 = Avx512BW.MultiplyAddAdjacent(Vector512.Load(u + 128), Vector512.Load(x + 128))
               + Avx512BW.MultiplyAddAdjacent(Vector512.Load(u + 160), Vector512.Load(x + 160));
        var s3 = Avx512BW.MultiplyAddAdjacent(Vector512.Load(u + 192), Vector512.Load(x + 192))
               + Avx512BW.MultiplyAddAdjacent(Vector512.Load(u + 224), Vector512.Load(x + 224));
        return Avx512F.ConvertToVector512Single((s0 + s1) + (s2 + s3));
    }

    private static Vector256<float> Dot256(short* u, short* x)
    {
        var s0 = Vector256<int>.Zero;
        var s1 = Vector256<int>.Zero;
        for (var n = 0; n < Weights; n += 32)
        {
            s0 += Avx2.MultiplyAddAdjacent(Vector256.Load(u + n), Vector256.Load(x + n));
            s1 += Avx2.MultiplyAddAdjacent(Vector256.Load(u + n + 16), Vector256.Load(x + n + 16));
        }
        return Avx.ConvertToVector256Single(s0 + s1);
    }
}
