using System.Runtime.InteropServices;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// Turns floats into the bytes of a GGUF tensor of a given type (row-major; the length must be a
/// multiple of the type's block size, so whole rows always are). Used by <c>model make</c> and tests.
/// </summary>
/// <remarks>
/// Q8_0, Q4_0, Q4_1, Q5_0 and Q5_1 follow ggml's reference rounding. The K-quants (and IQ4_NL,
/// IQ4_XS, Quantizer.Blocks.cs) use a straightforward scale
/// search — each sub-block's scale (and Q4_K minimum) from its own range, those scales then
/// quantized against the largest — not ggml's iterative error-minimising search, so their
/// error is somewhat larger than llama-quantize's; the layout is exactly ggml's.
/// </remarks>
internal static unsafe partial class Quantizer
{
    public static byte[] Quantize(GgmlType type, ReadOnlySpan<float> values)
    {
        var blockSize = WeightMatrix.BlockSize(type);
        if (values.Length % blockSize != 0)
            throw new ArgumentException($"{type} quantizes whole blocks of {blockSize} values; {values.Length} is not a multiple.", nameof(values));
        var blocks = values.Length / blockSize;
        switch (type)
        {
            case GgmlType.F32:
                return MemoryMarshal.AsBytes(values).ToArray();
            case GgmlType.F16:
                return Convert(values, F16.FromSingle);
            case GgmlType.BF16:
                return Convert(values, BF16.FromSingle);
            case GgmlType.Q8_0:
                return Blocks<Q8_0>(values, blocks, Q8_0Block);
            case GgmlType.Q4_0:
                return Blocks<Q4_0>(values, blocks, Q4_0Block);
            case GgmlType.Q4_K:
                return Blocks<Q4_K>(values, blocks, Q4_KBlock);
            case GgmlType.Q6_K:
                return Blocks<Q6_K>(values, blocks, Q6_KBlock);
            case GgmlType.Q4_1:
                return Blocks<Q4_1>(values, blocks, Q4_1Block);
            case GgmlType.Q5_0:
                return Blocks<Q5_0>(values, blocks, Q5_0Block);
            case GgmlType.Q5_1:
                return Blocks<Q5_1>(values, blocks, Q5_1Block);
            case GgmlType.IQ4_NL:
                return Blocks<IQ4_NL>(values, blocks, IQ4_NLBlock);
            case GgmlType.Q2_K:
                return Blocks<Q2_K>(values, blocks, Q2_KBlock);
            case GgmlType.Q3_K:
                return Blocks<Q3_K>(values, blocks, Q3_KBlock);
            case GgmlType.Q5_K:
                return Blocks<Q5_K>(values, blocks, Q5_KBlock);
            case GgmlType.IQ4_XS:
                return Blocks<IQ4_XS>(values, blocks, IQ4_XSBlock);
            default:
                throw new NotSupportedException($"Quantizing to {type} is not supported.");
        }
    }

    private delegate void BlockQuantizer<T>(ReadOnlySpan<float> x, T* block) where T : unmanaged;

    private static byte[] Blocks<T>(ReadOnlySpan<float> values, int blocks, BlockQuantizer<T> quantize) where T : unmanaged, IQuantizedBlock<T>
    {
        var bytes = new byte[blocks * sizeof(T)];
        fixed (byte* p = bytes)
            for (var i = 0; i < blocks; i++)
                quantize(values.Slice(i * T.BlockSize, T.BlockSize), (T*)p + i);
        return bytes;
    }

    private static byte[] Convert(ReadOnlySpan<float> values, Func<float, ushort> convert)
    {
        var bytes = new byte[values.Length * 2];
        var halves = MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan());
        for (var i = 0; i < values.Length; i++)
            halves[i] = convert(values[i]);
        return bytes;
    }

    private static float MaxAbs(ReadOnlySpan<float> x)
    {
        var max = 0f;
        foreach (var v in x)
            max = MathF.Max(max, MathF.Abs(v));
        return max;
    }

    /// <summary>The value of largest magnitude, with its sign (first one on ties).</summary>
    private static float SignedMaxAbs(ReadOnlySpan<float> x)
    {
        var max = 0f;
        foreach (var v in x)
            if (MathF.Abs(v) > MathF.Abs(max))
                max = v;
        return max;
    }

    private static float Inverse(float d) => d == 0 ? 0 : 1 / d;

    // d = max|x| / 127, q = round(x / d).
    private static void Q8_0Block(ReadOnlySpan<float> x, Q8_0* block)
    {
        var d = MaxAbs(x) / 127;
        var id = Inverse(d);
        block->D = F16.FromSingle(d);
        for (var j = 0; j < Q8_0.Weights; j++)
            block->Qs[j] = (sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
    }

    // The value of largest magnitude maps to q = 0 (−8): d = max / −8, q = min(15, ⌊x / d + 8.5⌋).
    private static void Q4_0Block(ReadOnlySpan<float> x, Q4_0* block)
    {
        var d = SignedMaxAbs(x) / -8;
        var id = Inverse(d);
        block->D = F16.FromSingle(d);
        for (var j = 0; j < Q4_0.Weights / 2; j++)
        {
            var lo = Math.Min(15, (int)(x[j] * id + 8.5f));
            var hi = Math.Min(15, (int)(x[j + 16] * id + 8.5f));
            block->Qs[j] = (byte)(lo | (hi << 4));
        }
    }

    // Each sub-block of 32 covers [−min_j, −min_j + 15·scale_j] with min_j = −min(0, smallest value);
    // the 8 scales and minimums are then 6-bit multiples of d = max scale / 63 and dmin = max min / 63,
    // and q is rounded against the scales as stored.
    private static void Q4_KBlock(ReadOnlySpan<float> x, Q4_K* block)
    {
        Span<float> scales = stackalloc float[8];
        Span<float> mins = stackalloc float[8];
        for (var j = 0; j < 8; j++)
        {
            var sub = x.Slice(32 * j, 32);
            var lo = MathF.Min(0, Min(sub));
            var hi = Max(sub);
            scales[j] = (hi - lo) / 15;
            mins[j] = -lo;
        }
        var d = Max(scales) / 63;
        var dmin = Max(mins) / 63;
        block->D = F16.FromSingle(d);
        block->DMin = F16.FromSingle(dmin);
        var storedD = F16.ToSingle(block->D);
        var storedDMin = F16.ToSingle(block->DMin);
        Span<int> sc = stackalloc int[8];
        Span<int> m = stackalloc int[8];
        for (var j = 0; j < 8; j++)
        {
            sc[j] = Math.Clamp((int)MathF.Round(scales[j] * Inverse(storedD)), 0, 63);
            m[j] = Math.Clamp((int)MathF.Round(mins[j] * Inverse(storedDMin)), 0, 63);
        }
        PackScaleMins(sc, m, block->Scales);
        for (var c = 0; c < 4; c++)
            for (var l = 0; l < 32; l++)
            {
                var lo = Q4(x[64 * c + l], storedD * sc[2 * c], storedDMin * m[2 * c]);
                var hi = Q4(x[64 * c + 32 + l], storedD * sc[2 * c + 1], storedDMin * m[2 * c + 1]);
                block->Qs[32 * c + l] = (byte)(lo | (hi << 4));
            }
    }

    private static int Q4(float x, float scale, float min) => Math.Clamp((int)MathF.Round((x + min) * Inverse(scale)), 0, 15);

    // Each sub-block of 16 gets scale_s = (its value of largest magnitude) / −32; the 16 scales are
    // then signed 8-bit multiples of d = max |scale_s| / 127, and q − 32 is rounded against them.
    private static void Q6_KBlock(ReadOnlySpan<float> x, Q6_K* block)
    {
        Span<float> scales = stackalloc float[16];
        for (var s = 0; s < 16; s++)
            scales[s] = SignedMaxAbs(x.Slice(16 * s, 16)) / -32;
        var d = MaxAbs(scales) / 127;
        block->D = F16.FromSingle(d);
        var storedD = F16.ToSingle(block->D);
        for (var s = 0; s < 16; s++)
            block->Scales[s] = (sbyte)Math.Clamp((int)MathF.Round(scales[s] * Inverse(storedD)), -128, 127);
        for (var k = 0; k < 128; k++)
            block->Ql[k] = 0;
        for (var k = 0; k < 64; k++)
            block->Qh[k] = 0;
        for (var n = 0; n < Q6_K.Weights; n++)
        {
            var q = Math.Clamp((int)MathF.Round(x[n] * Inverse(storedD * block->Scales[n / 16])), -32, 31) + 32;
            int h = n / 128, k = n % 128 / 32, l = n % 32;
            block->Ql[64 * h + l + 32 * (k % 2)] |= (byte)(k < 2 ? q & 0xF : (q & 0xF) << 4);
            block->Qh[32 * h + l] |= (byte)((q >> 4) << (2 * k));
        }
    }

    private static float Min(ReadOnlySpan<float> x)
    {
        var min = float.PositiveInfinity;
        foreach (var v in x)
            min = MathF.Min(min, v);
        return min;
    }

    private static float Max(ReadOnlySpan<float> x)
    {
        var max = float.NegativeInfinity;
        foreach (var v in x)
            max = MathF.Max(max, v);
        return max;
    }
}
