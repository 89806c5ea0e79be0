namespace ChatWeb.Engine.Tensors;

// The writers of Q4_1, Q5_0, Q5_1, IQ4_NL, Q2_K, Q3_K,
// Q5_K, IQ4_XS): ggml's layouts, simple scale choices (see the class remarks in Quantizer.cs).
internal static unsafe partial class Quantizer
{
    // d = (max − min) / 15, m = min, q = round((x − m) / d).
    private static void Q4_1Block(ReadOnlySpan<float> x, Q4_1* block)
    {
        var min = Min(x);
        var d = (Max(x) - min) / 15;
        block->D = F16.FromSingle(d);
        block->M = F16.FromSingle(min);
        var id = Inverse(d);
        for (var j = 0; j < 16; j++)
            block->Qs[j] = (byte)(Unsigned(x[j], min, id, 15) | Unsigned(x[j + 16], min, id, 15) << 4);
    }

    // The value of largest magnitude maps to q = 0 (−16): d = max / −16, q = min(31, ⌊x / d + 16.5⌋).
    private static void Q5_0Block(ReadOnlySpan<float> x, Q5_0* block)
    {
        var d = SignedMaxAbs(x) / -16;
        var id = Inverse(d);
        block->D = F16.FromSingle(d);
        Span<int> q = stackalloc int[32];
        for (var j = 0; j < 32; j++)
            q[j] = Math.Min(31, (int)(x[j] * id + 16.5f));
        Pack5(q, block->Qs, block->Qh);
    }

    // d = (max − min) / 31, m = min, q = round((x − m) / d).
    private static void Q5_1Block(ReadOnlySpan<float> x, Q5_1* block)
    {
        var min = Min(x);
        var d = (Max(x) - min) / 31;
        block->D = F16.FromSingle(d);
        block->M = F16.FromSingle(min);
        var id = Inverse(d);
        Span<int> q = stackalloc int[32];
        for (var j = 0; j < 32; j++)
            q[j] = Unsigned(x[j], min, id, 31);
        Pack5(q, block->Qs, block->Qh);
    }

    private static int Unsigned(float x, float min, float inverseScale, int max) =>
        Math.Clamp((int)MathF.Round((x - min) * inverseScale), 0, max);

    // Low nibbles as Q4_0's, the fifth bits one per bit of the 32-bit Qh.
    private static void Pack5(ReadOnlySpan<int> q, byte* qs, byte* qh)
    {
        uint high = 0;
        for (var j = 0; j < 16; j++)
        {
            qs[j] = (byte)((q[j] & 0xF) | (q[j + 16] & 0xF) << 4);
            high |= (uint)(q[j] >> 4) << j | (uint)(q[j + 16] >> 4) << (j + 16);
        }
        for (var k = 0; k < 4; k++)
            qh[k] = (byte)(high >> (8 * k));
    }

    private static void IQ4_NLBlock(ReadOnlySpan<float> x, IQ4_NL* block)
    {
        Span<int> q = stackalloc int[32];
        block->D = F16.FromSingle(NonLinearScale(x, q));
        for (var j = 0; j < 16; j++)
            block->Qs[j] = (byte)(q[j] | q[j + 16] << 4);
    }

    /// <summary>The scale d of a group for <see cref="IQ4_NL.Levels"/> and each value's level index:
    /// first d = max / −127 (the value of largest magnitude on the outermost level), then once the
    /// least-squares d for the levels so chosen, and the levels again for it.</summary>
    private static float NonLinearScale(ReadOnlySpan<float> x, Span<int> q)
    {
        var d = SignedMaxAbs(x) / -127;
        if (d == 0)
        {
            q.Fill(NearestLevel(0));
            return 0;
        }
        for (var round = 0; round < 2; round++)
        {
            double xl = 0, ll = 0;
            for (var j = 0; j < x.Length; j++)
            {
                q[j] = NearestLevel(x[j] / d);
                xl += x[j] * IQ4_NL.Levels[q[j]];
                ll += IQ4_NL.Levels[q[j]] * IQ4_NL.Levels[q[j]];
            }
            if (round == 0)
                d = (float)(xl / ll);
        }
        return d;
    }

    private static int NearestLevel(float v)
    {
        var best = 0;
        for (var k = 1; k < 16; k++)
        {
            if (MathF.Abs(IQ4_NL.Levels[k] - v) < MathF.Abs(IQ4_NL.Levels[best] - v))
                best = k;
        }
        return best;
    }

    // Each sub-block of 16 covers [−min_s, −min_s + 3·scale_s] with min_s = −min(0, smallest value);
    // scales and minimums are 4-bit multiples of d = max scale / 15 and dmin = max min / 15.
    private static void Q2_KBlock(ReadOnlySpan<float> x, Q2_K* block)
    {
        Span<float> scales = stackalloc float[16];
        Span<float> mins = stackalloc float[16];
        for (var s = 0; s < 16; s++)
        {
            var sub = x.Slice(16 * s, 16);
            var lo = MathF.Min(0, Min(sub));
            scales[s] = (Max(sub) - lo) / 3;
            mins[s] = -lo;
        }
        block->D = F16.FromSingle(Max(scales) / 15);
        block->DMin = F16.FromSingle(Max(mins) / 15);
        var d = F16.ToSingle(block->D);
        var dmin = F16.ToSingle(block->DMin);
        for (var s = 0; s < 16; s++)
        {
            var sc = Math.Clamp((int)MathF.Round(scales[s] * Inverse(d)), 0, 15);
            var m = Math.Clamp((int)MathF.Round(mins[s] * Inverse(dmin)), 0, 15);
            block->Scales[s] = (byte)(sc | m << 4);
        }
        for (var k = 0; k < 64; k++)
            block->Qs[k] = 0;
        for (var n = 0; n < Q2_K.Weights; n++)
        {
            var s = n / 16;
            var q = Math.Clamp((int)MathF.Round((x[n] + dmin * (block->Scales[s] >> 4)) * Inverse(d * (block->Scales[s] & 0xF))), 0, 3);
            int h = n / 128, j = n % 128 / 32, r = n % 32;
            block->Qs[32 * h + r] |= (byte)(q << (2 * j));
        }
    }

    // Each sub-block of 16 gets scale_s = (its value of largest magnitude) / −4; the 16 scales are
    // 6-bit signed multiples of d = (the scale of largest magnitude) / −32, and q (−4..3) is rounded
    // against them.
    private static void Q3_KBlock(ReadOnlySpan<float> x, Q3_K* block)
    {
        Span<float> scales = stackalloc float[16];
        for (var s = 0; s < 16; s++)
            scales[s] = SignedMaxAbs(x.Slice(16 * s, 16)) / -4;
        block->D = F16.FromSingle(SignedMaxAbs(scales) / -32);
        var d = F16.ToSingle(block->D);
        for (var k = 0; k < 12; k++)
            block->Scales[k] = 0;
        Span<int> sc = stackalloc int[16];
        for (var s = 0; s < 16; s++)
        {
            sc[s] = Math.Clamp((int)MathF.Round(scales[s] * Inverse(d)), -32, 31);
            var v = sc[s] + 32;
            block->Scales[s % 8] |= (byte)((v & 0xF) << (s < 8 ? 0 : 4));
            block->Scales[8 + s % 4] |= (byte)((v >> 4) << (2 * (s / 4)));
        }
        for (var k = 0; k < 64; k++)
            block->Qs[k] = 0;
        for (var k = 0; k < 32; k++)
            block->HMask[k] = 0;
        for (var n = 0; n < Q3_K.Weights; n++)
        {
            var v = Math.Clamp((int)MathF.Round(x[n] * Inverse(d * sc[n / 16])), -4, 3) + 4; // low 2 bits + 4·high bit
            int h = n / 128, j = n % 128 / 32, r = n % 32;
            block->Qs[32 * h + r] |= (byte)((v & 3) << (2 * j));
            block->HMask[r] |= (byte)((v >> 2) << (4 * h + j));
        }
    }

    // As Q4_K with 5-bit q: each sub-block of 32 covers [−min_j, −min_j + 31·scale_j].
    private static void Q5_KBlock(ReadOnlySpan<float> x, Q5_K* block)
    {
        Span<float> scales = stackalloc float[8];
        Span<float> mins = stackalloc float[8];
        for (var j = 0; j < 8; j++)
        {
            var sub = x.Slice(32 * j, 32);
            var lo = MathF.Min(0, Min(sub));
            scales[j] = (Max(sub) - lo) / 31;
            mins[j] = -lo;
        }
        block->D = F16.FromSingle(Max(scales) / 63);
        block->DMin = F16.FromSingle(Max(mins) / 63);
        var d = F16.ToSingle(block->D);
        var dmin = F16.ToSingle(block->DMin);
        Span<int> sc = stackalloc int[8];
        Span<int> m = stackalloc int[8];
        for (var j = 0; j < 8; j++)
        {
            sc[j] = Math.Clamp((int)MathF.Round(scales[j] * Inverse(d)), 0, 63);
            m[j] = Math.Clamp((int)MathF.Round(mins[j] * Inverse(dmin)), 0, 63);
        }
        PackScaleMins(sc, m, block->Scales);
        for (var k = 0; k < 128; k++)
            block->Qs[k] = 0;
        for (var k = 0; k < 32; k++)
            block->Qh[k] = 0;
        for (var n = 0; n < Q5_K.Weights; n++)
        {
            int j = n / 32, r = n % 32;
            var q = Math.Clamp((int)MathF.Round((x[n] + dmin * m[j]) * Inverse(d * sc[j])), 0, 31);
            block->Qs[32 * (j / 2) + r] |= (byte)((q & 0xF) << (4 * (j % 2)));
            block->Qh[r] |= (byte)((q >> 4) << j);
        }
    }

    /// <summary>Packs 8 six-bit scales and minimums into Q4_K's and Q5_K's 12 bytes (see <see cref="Q4_K.Scales"/>).</summary>
    private static void PackScaleMins(ReadOnlySpan<int> sc, ReadOnlySpan<int> m, byte* scales)
    {
        for (var k = 0; k < 12; k++)
            scales[k] = 0;
        for (var j = 0; j < 8; j++)
        {
            if (j < 4)
            {
                scales[j] |= (byte)sc[j];
                scales[j + 4] |= (byte)m[j];
            }
            else
            {
                scales[j + 4] = (byte)((sc[j] & 0xF) | ((m[j] & 0xF) << 4));
                scales[j - 4] |= (byte)((sc[j] >> 4) << 6);
                scales[j] |= (byte)((m[j] >> 4) << 6);
            }
        }
    }

    // Each sub-block of 32 gets its IQ4_NL scale; those are 6-bit signed multiples of d = (the scale
    // of largest magnitude) / −32, and each value's level is chosen again against the stored scale.
    private static void IQ4_XSBlock(ReadOnlySpan<float> x, IQ4_XS* block)
    {
        Span<float> scales = stackalloc float[8];
        Span<int> q = stackalloc int[32];
        for (var j = 0; j < 8; j++)
            scales[j] = NonLinearScale(x.Slice(32 * j, 32), q);
        block->D = F16.FromSingle(SignedMaxAbs(scales) / -32);
        var d = F16.ToSingle(block->D);
        block->ScalesH = 0;
        for (var k = 0; k < 4; k++)
            block->ScalesL[k] = 0;
        for (var j = 0; j < 8; j++)
        {
            var ls = Math.Clamp((int)MathF.Round(scales[j] * Inverse(d)), -32, 31);
            var v = ls + 32;
            block->ScalesL[j / 2] |= (byte)((v & 0xF) << (4 * (j % 2)));
            block->ScalesH |= (ushort)((v >> 4) << (2 * j));
            var id = Inverse(d * ls);
            for (var k = 0; k < 16; k++)
                block->Qs[16 * j + k] = (byte)(NearestLevel(x[32 * j + k] * id) | NearestLevel(x[32 * j + k + 16] * id) << 4);
        }
    }
}
