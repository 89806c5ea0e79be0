using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Inference.Tensors;

/// <summary>
/// The dot-product loops shared by <see cref="Q8_0"/> and <see cref="Q4_0"/>: per block, the
/// 32 weights as int16 times the 32 int16 activations with vpmaddwd (16 int32 pair sums), converted
/// to float and accumulated times c_i = d_weight,i · d_x,i.
/// </summary>
/// <remarks>
/// For a weight row, the half-precision block scales are converted once (vectorised) and multiplied
/// by each x row's scales, so the inner loops are three instructions per block and x row. Four x
/// rows at a time (interleaved by <see cref="QuantizedActivations"/>) share each unpacked weight
/// block: the weights are read and unpacked once for the whole batch.
/// </remarks>
internal static unsafe class Block32Kernels
{
    private const int Weights = 32;
    private const int Tile = QuantizedActivations.Tile;

    public static void DotRow<T>(T* w, int count, QuantizedActivations x, int bStart, int bEnd, float* y, int yStride, SimdLevel level)
        where T : unmanaged, IBlock32<T>
    {
        if (level == SimdLevel.Scalar)
        {
            for (var b = bStart; b < bEnd; b++)
                y[b * yStride] = T.DotScalar(w, x, b, count);
            return;
        }
        // Weight scales as floats, then c = weight scale × x scale per block (per x row).
        // (The conversion runs over whole vectors: the padding holds stale values nobody reads.)
        var padded = (count + 31) & ~31;
        var halves = x.HalfScratch(padded);
        var weightScales = x.RowScratch(padded + count * Tile);
        var c = weightScales + padded;
        for (var i = 0; i < count; i++)
            halves[i] = T.ScaleBits(w + i);
        F16.ToSingle(new ReadOnlySpan<ushort>(halves, padded), new Span<float>(weightScales, padded), level);

        var next = bStart;
        if (level >= SimdLevel.Vector256)
            for (; next + Tile <= bEnd; next += Tile)
            {
                CombineTiled(weightScales, x.TiledScales(next / Tile), c, count, level);
                var sums = level == SimdLevel.Vector512
                    ? Dot4x512(w, x.TiledValues(next / Tile), c, count)
                    : Dot4x256(w, x.TiledValues(next / Tile), c, count);
                for (var k = 0; k < Tile; k++)
                    y[(next + k) * yStride] = sums[k];
            }
        for (var b = next; b < bEnd; b++)
        {
            TensorPrimitives.Multiply(new ReadOnlySpan<float>(weightScales, count), new ReadOnlySpan<float>(x.Scales(b), count), new Span<float>(c, count));
            y[b * yStride] = level switch
            {
                SimdLevel.Vector512 => Dot1x512(w, x.Values(b), c, count),
                SimdLevel.Vector256 => Dot1x256(w, x.Values(b), c, count),
                _ => Dot1x128(w, x.Values(b), c, count),
            };
        }
    }

    // c[4i + k] = weightScales[i] · tiledScales[4i + k].
    private static void CombineTiled(float* weightScales, float* tiledScales, float* c, int count, SimdLevel level)
    {
        var i = 0;
        if (level >= SimdLevel.Vector512)
        {
            var spread = Vector512.Create(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
            for (; i + 4 <= count; i += 4)
            {
                var ws = Vector512.Shuffle(Vector128.Load(weightScales + i).ToVector256Unsafe().ToVector512Unsafe(), spread);
                (ws * Vector512.Load(tiledScales + Tile * i)).Store(c + Tile * i);
            }
        }
        for (; i < count; i++)
            for (var k = 0; k < Tile; k++)
                c[Tile * i + k] = weightScales[i] * tiledScales[Tile * i + k];
    }

    private static float Dot1x512<T>(T* w, short* x, float* c, int count) where T : unmanaged, IBlock32<T>
    {
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        var i = 0;
        for (; i + 2 <= count; i += 2)
        {
            acc0 = Avx512F.FusedMultiplyAdd(Block512(T.Weights512(w + i), x + i * Weights), Vector512.Create(c[i]), acc0);
            acc1 = Avx512F.FusedMultiplyAdd(Block512(T.Weights512(w + i + 1), x + (i + 1) * Weights), Vector512.Create(c[i + 1]), acc1);
        }
        if (i < count)
            acc0 = Avx512F.FusedMultiplyAdd(Block512(T.Weights512(w + i), x + i * Weights), Vector512.Create(c[i]), acc0);
        return Vector512.Sum(acc0 + acc1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Block512(Vector512<short> weights, short* x) =>
        Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(weights, Vector512.Load(x)));

    private static Vector128<float> Dot4x512<T>(T* w, short* x, float* c, int count) where T : unmanaged, IBlock32<T>
    {
        Vector512<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (var i = 0; i < count; i++)
        {
            var wq = T.Weights512(w + i);
            var xb = x + i * Tile * Weights;
            var cb = c + i * Tile;
            acc0 = Avx512F.FusedMultiplyAdd(Block512(wq, xb), Vector512.Create(cb[0]), acc0);
            acc1 = Avx512F.FusedMultiplyAdd(Block512(wq, xb + Weights), Vector512.Create(cb[1]), acc1);
            acc2 = Avx512F.FusedMultiplyAdd(Block512(wq, xb + 2 * Weights), Vector512.Create(cb[2]), acc2);
            acc3 = Avx512F.FusedMultiplyAdd(Block512(wq, xb + 3 * Weights), Vector512.Create(cb[3]), acc3);
        }
        return Vector128.Create(Vector512.Sum(acc0), Vector512.Sum(acc1), Vector512.Sum(acc2), Vector512.Sum(acc3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Block256(Vector256<short> lo, Vector256<short> hi, short* x) =>
        Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(lo, Vector256.Load(x)) + Avx2.MultiplyAddAdjacent(hi, Vector256.Load(x + 16)));

    private static float Dot1x256<T>(T* w, short* x, float* c, int count) where T : unmanaged, IBlock32<T>
    {
        var acc = Vector256<float>.Zero;
        for (var i = 0; i < count; i++)
        {
            var (lo, hi) = T.Weights256(w + i);
            acc = Fma.MultiplyAdd(Block256(lo, hi, x + i * Weights), Vector256.Create(c[i]), acc);
        }
        return Vector256.Sum(acc);
    }

    private static Vector128<float> Dot4x256<T>(T* w, short* x, float* c, int count) where T : unmanaged, IBlock32<T>
    {
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (var i = 0; i < count; i++)
        {
            var (lo, hi) = T.Weights256(w + i);
            var xb = x + i * Tile * Weights;
            var cb = c + i * Tile;
            acc0 = Fma.MultiplyAdd(Block256(lo, hi, xb), Vector256.Create(cb[0]), acc0);
            acc1 = Fma.MultiplyAdd(Block256(lo, hi, xb + Weights), Vector256.Create(cb[1]), acc1);
            acc2 = Fma.MultiplyAdd(Block256(lo, hi, xb + 2 * Weights), Vector256.Create(cb[2]), acc2);
            acc3 = Fma.MultiplyAdd(Block256(lo, hi, xb + 3 * Weights), Vector256.Create(cb[3]), acc3);
        }
        return Vector128.Create(Vector256.Sum(acc0), Vector256.Sum(acc1), Vector256.Sum(acc2), Vector256.Sum(acc3));
    }

    private static float Dot1x128<T>(T* w, short* x, float* c, int count) where T : unmanaged, IBlock32<T>
    {
        var acc = Vector128<float>.Zero;
        for (var i = 0; i < count; i++)
            acc += Vector128.ConvertToSingle(T.Dot128(w + i, x + i * Weights)) * Vector128.Create(c[i]);
        return Vector128.Sum(acc);
    }
}
