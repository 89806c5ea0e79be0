using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>GGUF type Q6_K: super-blocks of 256 weights in 16 sub-blocks of 16; weight =
/// d·scale_s·(q − 32) with 6-bit q and signed 8-bit scale_s (210 bytes per 256 weights,
/// 6.5625 bits per weight).</summary>
/// <remarks>Weight n = 128h + 32k + l (half h, quarter k, l &lt; 32) has scale_{n/16}; its q has
/// low 4 bits from Ql[64h + l + 32·(k mod 2)] (low nibble for k &lt; 2, high for k ≥ 2) and high
/// 2 bits from bits 2k, 2k+1 of Qh[32h + l].</remarks>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct Q6_K : IBlock256<Q6_K>, IByteBlock256<Q6_K>
{
    public const int Weights = 256;

    /// <summary>The low 4 bits of each q, two per byte (see the remarks for the order).</summary>
    public fixed byte Ql[Weights / 2];

    /// <summary>The high 2 bits of each q, four per byte.</summary>
    public fixed byte Qh[Weights / 4];

    /// <summary>The 16 sub-block scales, signed 8-bit.</summary>
    public fixed sbyte Scales[Weights / 16];

    /// <summary>Half-precision bits of d, the scale of the sub-block scales.</summary>
    public ushort D;

    public static int BlockSize => Weights;
    public static bool NeedsGroupSums => false;

    /// <summary>q − 32 of weight n (−32..31).</summary>
    public static int Q(Q6_K* block, int n)
    {
        int h = n / 128, k = n % 128 / 32, l = n % 32;
        var low = block->Ql[64 * h + l + 32 * (k % 2)];
        var lowBits = k < 2 ? low & 0xF : low >> 4;
        var highBits = (block->Qh[32 * h + l] >> (2 * k)) & 3;
        return (lowBits | (highBits << 4)) - 32;
    }

    public static void Dequantize(Q6_K* blocks, int count, float* destination)
    {
        for (var i = 0; i < count; i++)
        {
            var d = F16.ToSingle(blocks[i].D);
            for (var n = 0; n < Weights; n++)
                destination[i * Weights + n] = d * blocks[i].Scales[n / 16] * Q(blocks + i, n);
        }
    }

    public static float DotScalar(Q6_K* w, QuantizedActivations x, int b, int count)
    {
        var xq = x.Values(b);
        var xd = x.Scales(b);
        var sum = 0f;
        for (var i = 0; i < count; i++)
        {
            var isum = 0L; // a super-block's total can exceed int32
            for (var n = 0; n < Weights; n++)
                isum += w[i].Scales[n / 16] * Q(w + i, n) * xq[i * Weights + n];
            sum += xd[i] * F16.ToSingle(w[i].D) * isum;
        }
        return sum;
    }

    public static bool HasMins => false;
    public static bool SignedBytes => false;
    public static int WeightInteger(Q6_K* block, int n) => block->Scales[n / 16] * Q(block, n);
    public static int MinInteger(Q6_K* block, int n) => 0;

    // q stored unsigned (0..63); the −32 becomes minimums 32·scale_s with dmin = d.
    public static void UnpackBytes(Q6_K* block, UnpackedBytes* u)
    {
        var low4 = Vector256.Create((byte)0xF);
        var high2 = Vector256.Create((byte)0x30);
        for (var h = 0; h < 2; h++)
        {
            var qlA = Vector256.Load(block->Ql + 64 * h);
            var qlB = Vector256.Load(block->Ql + 64 * h + 32);
            var qh = Vector256.Load(block->Qh + 32 * h).AsUInt16();
            var q = u->Q + 128 * h;
            ((qlA & low4) | (Vector256.ShiftLeft(qh, 4).AsByte() & high2)).Store(q);
            ((qlB & low4) | (Vector256.ShiftLeft(qh, 2).AsByte() & high2)).Store(q + 32);
            ((Vector256.ShiftRightLogical(qlA.AsUInt16(), 4).AsByte() & low4) | (qh.AsByte() & high2)).Store(q + 64);
            ((Vector256.ShiftRightLogical(qlB.AsUInt16(), 4).AsByte() & low4) | (Vector256.ShiftRightLogical(qh, 2).AsByte() & high2)).Store(q + 96);
        }
        var scales = Avx2.ConvertToVector256Int16(Vector128.Load(block->Scales));
        scales.Store(u->Scales);
        (scales << 5).Store(u->Mins);
        u->D = u->DMin = F16.ToSingle(block->D);
    }
    public static float Scale(Q6_K* block) => F16.ToSingle(block->D);
    public static float MinScale(Q6_K* block) => 0;

    public static void DotRow(Q6_K* w, int count, QuantizedActivations x, int bStart, int bEnd, float* y, int yStride, SimdLevel level) =>
        Block256Kernels.DotRow(w, count, x, bStart, bEnd, y, yStride, level);

    // u = scale_s·(q − 32) (|u| ≤ 4096): q is rebuilt in int16 lanes from its low and high bits.
    public static void Unpack(Q6_K* block, short* weights, int* mins, SimdLevel level)
    {
        if (level >= SimdLevel.Vector512)
            Unpack512(block, weights);
        else
            Unpack256(block, weights);
    }

    private static void Unpack512(Q6_K* block, short* weights)
    {
        var low4 = Vector512.Create((short)0xF);
        var two = Vector512.Create((short)3);
        var offset = Vector512.Create((short)32);
        // All 16 scales in int16 lanes 0..15; vpermw picks scale_s for lanes 0..15 and scale_{s+1} for 16..31.
        var scales = Avx2.ConvertToVector256Int16(Vector128.Load(block->Scales)).ToVector512Unsafe();
        var pick = Vector512.Create(Vector256<short>.Zero, Vector256<short>.One);
        var step = Vector512.Create((short)2);
        for (var h = 0; h < 2; h++)
        {
            var qlA = Avx512BW.ConvertToVector512Int16(Vector256.Load(block->Ql + 64 * h));
            var qlB = Avx512BW.ConvertToVector512Int16(Vector256.Load(block->Ql + 64 * h + 32));
            var qh = Avx512BW.ConvertToVector512Int16(Vector256.Load(block->Qh + 32 * h));
            var u = weights + 128 * h;
            var q0 = (qlA & low4) | ((qh & two) << 4);
            var q1 = (qlB & low4) | ((Vector512.ShiftRightLogical(qh, 2) & two) << 4);
            var q2 = Vector512.ShiftRightLogical(qlA, 4) | ((Vector512.ShiftRightLogical(qh, 4) & two) << 4);
            var q3 = Vector512.ShiftRightLogical(qlB, 4) | ((Vector512.ShiftRightLogical(qh, 6) & two) << 4);
            ((q0 - offset) * Avx512BW.PermuteVar32x16(scales, pick)).Store(u);
            pick += step;
            ((q1 - offset) * Avx512BW.PermuteVar32x16(scales, pick)).Store(u + 32);
            pick += step;
            ((q2 - offset) * Avx512BW.PermuteVar32x16(scales, pick)).Store(u + 64);
            pick += step;
            ((q3 - offset) * Avx512BW.PermuteVar32x16(scales, pick)).Store(u + 96);
            pick += step;
        }
    }

    private static void Unpack256(Q6_K* block, short* weights)
    {
        var low4 = Vector256.Create((short)0xF);
        var two = Vector256.Create((short)3);
        var offset = Vector256.Create((short)32);
        for (var h = 0; h < 2; h++)
            for (var half = 0; half < 2; half++)
            {
                var l = 16 * half;
                var qlA = Avx2.ConvertToVector256Int16(Vector128.Load(block->Ql + 64 * h + l));
                var qlB = Avx2.ConvertToVector256Int16(Vector128.Load(block->Ql + 64 * h + 32 + l));
                var qh = Avx2.ConvertToVector256Int16(Vector128.Load(block->Qh + 32 * h + l));
                var u = weights + 128 * h + l;
                var s = block->Scales + 8 * h + half;
                var q0 = (qlA & low4) | ((qh & two) << 4);
                var q1 = (qlB & low4) | ((Vector256.ShiftRightLogical(qh, 2) & two) << 4);
                var q2 = Vector256.ShiftRightLogical(qlA, 4) | ((Vector256.ShiftRightLogical(qh, 4) & two) << 4);
                var q3 = Vector256.ShiftRightLogical(qlB, 4) | ((Vector256.ShiftRightLogical(qh, 6) & two) << 4);
                ((q0 - offset) * Vector256.Create((short)s[0])).Store(u);
                ((q1 - offset) * Vector256.Create((short)s[2])).Store(u + 32);
                ((q2 - offset) * Vector256.Create((short)s[4])).Store(u + 64);
                ((q3 - offset) * Vector256.Create((short)s[6])).Store(u + 96);
            }
    }

    public static float Dot128(Q6_K* w, QuantizedActivations x, int b, int count)
    {
        var xq = x.Values(b);
        var xd = x.Scales(b);
        var acc = 0f;
        for (var i = 0; i < count; i++)
            acc += xd[i] * F16.ToSingle(w[i].D) * Block128(w + i, xq + i * Weights);
        return acc;
    }

    private static float Block128(Q6_K* block, short* x)
    {
        var total = Vector128<float>.Zero;
        var low4 = Vector128.Create((short)0xF);
        var two = Vector128.Create((short)3);
        var offset = Vector128.Create((short)32);
        for (var h = 0; h < 2; h++)
        {
            var acc = Vector128<int>.Zero; // per half: a whole super-block could reach int32's limit
            for (var l = 0; l < 32; l += 8)
            {
                var qlA = Vector128.WidenLower(Vector128.LoadUnsafe(ref block->Ql[64 * h + l])).AsInt16();
                var qlB = Vector128.WidenLower(Vector128.LoadUnsafe(ref block->Ql[64 * h + 32 + l])).AsInt16();
                var qh = Vector128.WidenLower(Vector128.LoadUnsafe(ref block->Qh[32 * h + l])).AsInt16();
                var xh = x + 128 * h + l;
                var s = block->Scales + 8 * h + l / 16;
                var q0 = (qlA & low4) | ((qh & two) << 4);
                var q1 = (qlB & low4) | ((Vector128.ShiftRightLogical(qh, 2) & two) << 4);
                var q2 = Vector128.ShiftRightLogical(qlA, 4) | ((Vector128.ShiftRightLogical(qh, 4) & two) << 4);
                var q3 = Vector128.ShiftRightLogical(qlB, 4) | ((Vector128.ShiftRightLogical(qh, 6) & two) << 4);
                acc += QuantizedDot128.MultiplyAdd((q0 - offset) * Vector128.Create((short)s[0]), Vector128.Load(xh))
                     + QuantizedDot128.MultiplyAdd((q1 - offset) * Vector128.Create((short)s[2]), Vector128.Load(xh + 32))
                     + QuantizedDot128.MultiplyAdd((q2 - offset) * Vector128.Create((short)s[4]), Vector128.Load(xh + 64))
                     + QuantizedDot128.MultiplyAdd((q3 - offset) * Vector128.Create((short)s[6]), Vector128.Load(xh + 96));
            }
            total += Vector128.ConvertToSingle(acc);
        }
        return Vector128.Sum(total);
    }

}
