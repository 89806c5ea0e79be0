using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// The reference and the dot-product loop for the <see cref="IUnpackedBlock{TSelf}"/> types: each
/// block is unpacked once into int16 weights u (its sub-block scales multiplied in), then dotted
/// with every batch row of the 14-bit activations by vpmaddwd, so the unpacking is shared by the
/// whole batch (as <see cref="Block256Kernels"/> does for Q4_K and Q6_K).
/// </summary>
/// <remarks>
/// Per batch row: Σ_blocks d_x·(d·Σ u·x − dmin·Σ_g min_g·Σ_{n in g} x). The group sums come from
/// <see cref="QuantizedActivations.GroupSums"/> for groups of 32, or are added up here for Q2_K's
/// groups of 16. Integer lanes stay within int32: |u| ≤ 4064 (IQ4_XS), |x| ≤ 8191, and a lane adds at
/// most 16 vpmaddwd pairs (a 256-weight block at 256 bits): 16·2·4064·8191 ≈ 1.07e9.
/// The Vector128 level unpacks with the scalar <see cref="IUnpackedBlock{TSelf}.U"/> and dots with
/// portable 128-bit operations.
/// </remarks>
internal static unsafe class UnpackedBlockKernels
{
    private const int AccumulatorFloats = 16;

    /// <summary>Writes <paramref name="count"/> blocks as floats: d·u_n − dmin·min_g.</summary>
    public static void Dequantize<T>(T* blocks, int count, float* destination) where T : unmanaged, IUnpackedBlock<T>
    {
        for (var i = 0; i < count; i++)
        {
            var block = blocks + i;
            var d = T.Scale(block);
            var dmin = T.MinScale(block);
            for (var n = 0; n < T.BlockSize; n++)
                destination[(long)i * T.BlockSize + n] = d * T.U(block, n) - (T.MinGroupSize == 0 ? 0 : dmin * T.Min(block, n / T.MinGroupSize));
        }
    }

    /// <summary>The plain reference: exact integer sums per block, one weight at a time.</summary>
    public static float DotScalar<T>(T* w, QuantizedActivations x, int b, int count) where T : unmanaged, IUnpackedBlock<T>
    {
        var xq = x.Values(b);
        var xd = x.Scales(b);
        var sum = 0f;
        for (var i = 0; i < count; i++)
        {
            var xb = xq + (long)i * T.BlockSize;
            long isum = 0, msum = 0;
            for (var n = 0; n < T.BlockSize; n++)
            {
                isum += T.U(w + i, n) * xb[n];
                if (T.MinGroupSize != 0)
                    msum += T.Min(w + i, n / T.MinGroupSize) * xb[n];
            }
            sum += xd[i] * (T.Scale(w + i) * isum - T.MinScale(w + i) * msum);
        }
        return sum;
    }

    public static void DotRow<T>(T* w, int count, QuantizedActivations x, int bStart, int bEnd, float* y, int yStride, SimdLevel level)
        where T : unmanaged, IUnpackedBlock<T>
    {
        if (level == SimdLevel.Scalar)
        {
            for (var b = bStart; b < bEnd; b++)
                y[b * yStride] = DotScalar(w, x, b, count);
            return;
        }
        if (bEnd - bStart == 1 && level >= SimdLevel.Vector256)
        {
            y[bStart * yStride] = DotOne(w, count, x, bStart, level);
            return;
        }
        var size = T.BlockSize;
        var groups = T.MinGroupSize == 0 ? 0 : size / T.MinGroupSize;
        var batch = bEnd - bStart;
        // Scratch: the unpacked block (64-byte aligned), its minimums, then per batch row a vector
        // accumulator and a scalar one for the minimum terms.
        var scratch = x.RowScratch(size / 2 + 16 + groups + batch * (AccumulatorFloats + 1));
        var u = (short*)(((nint)scratch + 63) & ~(nint)63);
        var mins = (int*)(u + size);
        var accumulators = (float*)(mins + groups);
        var minTerms = accumulators + batch * AccumulatorFloats;
        new Span<float>(accumulators, batch * (AccumulatorFloats + 1)).Clear();

        for (var i = 0; i < count; i++)
        {
            var block = w + i;
            if (level >= SimdLevel.Vector256)
                T.Unpack256(block, u);
            else
                for (var n = 0; n < size; n++)
                    u[n] = (short)T.U(block, n);
            for (var g = 0; g < groups; g++)
                mins[g] = T.Min(block, g);
            var d = T.Scale(block);
            var dmin = T.MinScale(block);
            for (var k = 0; k < batch; k++)
            {
                var b = bStart + k;
                var xd = x.Scales(b)[i];
                var xq = x.Values(b) + (long)i * size;
                var acc = accumulators + k * AccumulatorFloats;
                switch (level)
                {
                    case SimdLevel.Vector512:
                        Avx512F.FusedMultiplyAdd(Dot512(u, xq, size), Vector512.Create(d * xd), Vector512.Load(acc)).Store(acc);
                        break;
                    case SimdLevel.Vector256:
                        Fma.MultiplyAdd(Dot256(u, xq, size), Vector256.Create(d * xd), Vector256.Load(acc)).Store(acc);
                        break;
                    default:
                        (Dot128(u, xq, size) * Vector128.Create(d * xd) + Vector128.Load(acc)).Store(acc);
                        break;
                }
                if (groups != 0)
                {
                    var groupSums = T.NeedsGroupSums ? x.GroupSums(b) + (long)i * size / QuantizedActivations.GroupSize : null;
                    minTerms[k] += dmin * xd * MinSum(mins, groups, T.MinGroupSize, groupSums, xq);
                }
            }
        }
        for (var k = 0; k < batch; k++)
        {
            var acc = accumulators + k * AccumulatorFloats;
            var sum = level switch
            {
                SimdLevel.Vector512 => Block32Kernels.Sum(Vector512.Load(acc)),
                SimdLevel.Vector256 => Vector256.Sum(Vector256.Load(acc)),
                _ => Vector128.Sum(Vector128.Load(acc)),
            };
            y[(bStart + k) * yStride] = sum - minTerms[k];
        }
    }

    /// <summary>One batch row (decoding): the accumulator stays in a register instead of the per-row
    /// scratch the batch loop needs, which matters most for 32-weight blocks (one vpmaddwd each).</summary>
    private static float DotOne<T>(T* w, int count, QuantizedActivations x, int b, SimdLevel level) where T : unmanaged, IUnpackedBlock<T>
    {
        var size = T.BlockSize;
        var groups = T.MinGroupSize == 0 ? 0 : size / T.MinGroupSize;
        var scratch = x.RowScratch(size / 2 + 16 + groups);
        var u = (short*)(((nint)scratch + 63) & ~(nint)63);
        var mins = (int*)(u + size);
        var xq = x.Values(b);
        var xd = x.Scales(b);
        var groupSums = T.NeedsGroupSums ? x.GroupSums(b) : null;
        var acc512 = Vector512<float>.Zero;
        var acc256 = Vector256<float>.Zero;
        var minTerm = 0f;
        for (var i = 0; i < count; i++)
        {
            var block = w + i;
            T.Unpack256(block, u);
            var c = T.Scale(block) * xd[i];
            if (level == SimdLevel.Vector512)
                acc512 = Avx512F.FusedMultiplyAdd(Dot512(u, xq + (long)i * size, size), Vector512.Create(c), acc512);
            else
                acc256 = Fma.MultiplyAdd(Dot256(u, xq + (long)i * size, size), Vector256.Create(c), acc256);
            if (groups != 0)
            {
                for (var g = 0; g < groups; g++)
                    mins[g] = T.Min(block, g);
                var sums = groupSums == null ? null : groupSums + (long)i * size / QuantizedActivations.GroupSize;
                minTerm += T.MinScale(block) * xd[i] * MinSum(mins, groups, T.MinGroupSize, sums, xq + (long)i * size);
            }
        }
        return (level == SimdLevel.Vector512 ? Block32Kernels.Sum(acc512) : Vector256.Sum(acc256)) - minTerm;
    }

    // Σ_g min_g·(Σ x over group g): groups of 32 from the activations' group sums, of 16 summed here.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int MinSum(int* mins, int groups, int groupSize, int* groupSums, short* x)
    {
        var m = 0;
        if (groupSize == QuantizedActivations.GroupSize)
        {
            for (var g = 0; g < groups; g++)
                m += mins[g] * groupSums[g];
            return m;
        }
        Debug.Assert(groupSize == 16);
        for (var g = 0; g < groups; g++)
        {
            var (lo, hi) = Vector256.Widen(Vector256.Load(x + 16 * g));
            m += mins[g] * Vector256.Sum(lo + hi);
        }
        return m;
    }

    /// <summary>16 int16 lanes, lane j = <paramref name="value"/> where bit j of <paramref name="bits"/>
    /// is set, else 0 (vpand + vpcmpeqw: the high bits of Q5_0/Q5_1, one bit per weight).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> BitsToLanes(ushort bits, short value)
    {
        var masks = Vector256.Create((short)1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, short.MinValue);
        return Vector256.Equals(Vector256.Create((short)bits) & masks, masks) & Vector256.Create(value);
    }

    /// <summary>The 16 entries of <paramref name="table"/> picked by the 16 4-bit indices (vpshufb),
    /// sign-extended to int16 (IQ4_NL and IQ4_XS map their nibbles through a table).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> Lookup(Vector128<sbyte> table, Vector128<byte> indices) =>
        Avx2.ConvertToVector256Int16(Ssse3.Shuffle(table, indices.AsSByte()));

    private static Vector512<float> Dot512(short* u, short* x, int size)
    {
        var s0 = Avx512BW.MultiplyAddAdjacent(Vector512.Load(u), Vector512.Load(x));
        var s1 = Vector512<int>.Zero;
        for (var n = 32; n < size; n += 64)
        {
            s1 += Avx512BW.MultiplyAddAdjacent(Vector512.Load(u + n), Vector512.Load(x + n));
            if (n + 32 < size)
                s0 += Avx512BW.MultiplyAddAdjacent(Vector512.Load(u + n + 32), Vector512.Load(x + n + 32));
        }
        return Avx512F.ConvertToVector512Single(s0 + s1);
    }

    private static Vector256<float> Dot256(short* u, short* x, int size)
    {
        var s0 = Vector256<int>.Zero;
        var s1 = Vector256<int>.Zero;
        for (var n = 0; n < size; n += 32)
        {
            s0 += Avx2.MultiplyAddAdjacent(Vector256.Load(u + n), Vector256.Load(x + n));
            s1 += Avx2.MultiplyAddAdjacent(Vector256.Load(u + n + 16), Vector256.Load(x + n + 16));
        }
        return Avx.ConvertToVector256Single(s0 + s1);
    }

    private static Vector128<float> Dot128(short* u, short* x, int size)
    {
        var s = Vector128<int>.Zero;
        for (var n = 0; n < size; n += 8)
            s += QuantizedDot128.MultiplyAdd(Vector128.Load(u + n), Vector128.Load(x + n));
        return Vector128.ConvertToSingle(s);
    }
}
