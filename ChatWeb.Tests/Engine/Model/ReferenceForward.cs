namespace ChatWeb.Tests.Engine.Model;

/// <summary>
/// A deliberately naive double-precision transformer written from the architectures' definitions,
/// independent of the engine's code: one token at a time, plain loops, lists for the cache.
/// Gemma 3 as published (Hugging Face's Gemma3 text model): embedding × √dim, per-head Q/K norms,
/// five sliding-window layers (rope base 10000) then one global layer (the file's base, positions
/// divided by the linear scaling factor), post-attention and post-FFN norms, GELU (tanh) gate, query
/// scale 1/√headDim, tied output. Llama 3.1 rope scaling from its published frequency formula.
/// </summary>
internal sealed class ReferenceForward(SyntheticModel m)
{
    private readonly List<double[]>[] _keys = Enumerable.Range(0, m.Layers).Select(_ => new List<double[]>()).ToArray();
    private readonly List<double[]>[] _values = Enumerable.Range(0, m.Layers).Select(_ => new List<double[]>()).ToArray();

    private double[] W(string name) => m.Weights[name];

    /// <summary>Feeds the next token and returns the logits over the vocabulary.</summary>
    public double[] Next(int token)
    {
        var position = _keys[0].Count;
        var x = W("token_embd.weight").Skip(token * m.Dim).Take(m.Dim).ToArray();
        if (m.Gemma3)
            x = x.Select(v => v * Math.Sqrt(m.Dim)).ToArray();
        for (var l = 0; l < m.Layers; l++)
        {
            var p = $"blk.{l}.";
            // gemma3: layers 0-4 of every 6 are local (sliding window, rope base 10000), the sixth global
            var sliding = m.Gemma3 && (l + 1) % 6 != 0;
            var (ropeBase, positionScale) = !m.Gemma3 ? (m.RopeBase, 1.0) : sliding ? (10000.0, 1.0) : (m.RopeBase, 1 / m.RopeScalingFactor);
            var firstVisible = sliding ? Math.Max(0, position - m.SlidingWindow + 1) : 0;
            var h = RmsNorm(x, W(p + "attn_norm.weight"));
            var q = MatVec(W(p + "attn_q.weight"), h);
            var k = MatVec(W(p + "attn_k.weight"), h);
            var v = MatVec(W(p + "attn_v.weight"), h);
            if (m.QkvBias)
            {
                q = Add(q, W(p + "attn_q.bias"));
                k = Add(k, W(p + "attn_k.bias"));
                v = Add(v, W(p + "attn_v.bias"));
            }
            for (var head = 0; head < m.Heads; head++)
            {
                var qh = q.AsSpan(head * m.HeadDim, m.HeadDim);
                if (m.QkNorm)
                    RmsNorm(qh.ToArray(), W(p + "attn_q_norm.weight")).CopyTo(qh);
                Rotate(qh, position * positionScale, ropeBase);
            }
            for (var head = 0; head < m.KvHeads; head++)
            {
                var kh = k.AsSpan(head * m.HeadDim, m.HeadDim);
                if (m.QkNorm)
                    RmsNorm(kh.ToArray(), W(p + "attn_k_norm.weight")).CopyTo(kh);
                Rotate(kh, position * positionScale, ropeBase);
            }
            _keys[l].Add(k);
            _values[l].Add(v);

            var attention = new double[m.Heads * m.HeadDim];
            for (var head = 0; head < m.Heads; head++)
            {
                var kvHead = head * m.KvHeads / m.Heads;
                var scores = new double[position + 1];
                for (var t = firstVisible; t <= position; t++)
                {
                    for (var i = 0; i < m.HeadDim; i++)
                        scores[t] += q[head * m.HeadDim + i] * _keys[l][t][kvHead * m.HeadDim + i];
                    scores[t] /= Math.Sqrt(m.HeadDim);
                }
                var max = scores.Skip(firstVisible).Max();
                var exps = scores.Select((s, t) => t < firstVisible ? 0 : Math.Exp(s - max)).ToArray();
                var sum = exps.Sum();
                for (var t = firstVisible; t <= position; t++)
                {
                    for (var i = 0; i < m.HeadDim; i++)
                        attention[head * m.HeadDim + i] += exps[t] / sum * _values[l][t][kvHead * m.HeadDim + i];
                }
            }
            var attended = MatVec(W(p + "attn_output.weight"), attention);
            x = Add(x, m.Gemma3 ? RmsNorm(attended, W(p + "post_attention_norm.weight")) : attended);

            h = RmsNorm(x, W(p + "ffn_norm.weight"));
            var gate = MatVec(W(p + "ffn_gate.weight"), h);
            var up = MatVec(W(p + "ffn_up.weight"), h);
            var hidden = gate.Select((g, i) => (m.Gemma3 ? GeluTanh(g) : g / (1 + Math.Exp(-g))) * up[i]).ToArray();
            var ffn = MatVec(W(p + "ffn_down.weight"), hidden);
            x = Add(x, m.Gemma3 ? RmsNorm(ffn, W(p + "post_ffw_norm.weight")) : ffn);
        }
        var output = m.Weights.TryGetValue("output.weight", out var o) ? o : W("token_embd.weight");
        return MatVec(output, RmsNorm(x, W("output_norm.weight")));
    }

    private static double GeluTanh(double g) => 0.5 * g * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (g + 0.044715 * g * g * g)));

    private void Rotate(Span<double> head, double position, double ropeBase)
    {
        var half = m.HeadDim / 2;
        for (var i = 0; i < half; i++)
        {
            var frequency = Math.Pow(ropeBase, -2.0 * i / m.HeadDim);
            if (m.RopeFrequencyFactors)
                frequency /= W("rope_freqs.weight")[i];
            if (m.Llama3RopeOriginalContext > 0)
                frequency = Llama3Frequency(frequency);
            var angle = position * frequency;
            var (a, b) = m.NeoXRope ? (i, i + half) : (2 * i, 2 * i + 1);
            var (x0, x1) = (head[a], head[b]);
            head[a] = x0 * Math.Cos(angle) - x1 * Math.Sin(angle);
            head[b] = x0 * Math.Sin(angle) + x1 * Math.Cos(angle);
        }
    }

    /// <summary>Llama 3.1's rope scaling as published (factor 8, low/high frequency factors 1 and 4):
    /// short wavelengths unchanged, long ones slowed 8×, a linear blend between.</summary>
    private double Llama3Frequency(double frequency)
    {
        const double factor = 8, low = 1, high = 4;
        double original = m.Llama3RopeOriginalContext, wavelength = 2 * Math.PI / frequency;
        if (wavelength < original / high)
            return frequency;
        if (wavelength > original / low)
            return frequency / factor;
        var smooth = (original / wavelength - low) / (high - low);
        return (1 - smooth) * frequency / factor + smooth * frequency;
    }

    private double[] RmsNorm(double[] x, double[] weight)
    {
        var scale = 1 / Math.Sqrt(x.Sum(v => v * v) / x.Length + m.Epsilon);
        return x.Select((v, i) => v * scale * weight[i]).ToArray();
    }

    private static double[] MatVec(double[] matrix, double[] x)
    {
        var y = new double[matrix.Length / x.Length];
        for (var r = 0; r < y.Length; r++)
        {
            for (var c = 0; c < x.Length; c++)
                y[r] += matrix[r * x.Length + c] * x[c];
        }
        return y;
    }

    private static double[] Add(double[] a, double[] b) => a.Select((v, i) => v + b[i]).ToArray();
}
