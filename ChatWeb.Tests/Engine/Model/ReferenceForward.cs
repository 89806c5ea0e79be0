namespace ChatWeb.Tests.Engine.Model;

/// <summary>
/// A deliberately naive double-precision transformer written from the architectures' definitions,
/// independent of the engine's code: one token at a time, plain loops, lists for the cache.
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
        for (var l = 0; l < m.Layers; l++)
        {
            var p = $"blk.{l}.";
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
                Rotate(qh, position);
            }
            for (var head = 0; head < m.KvHeads; head++)
            {
                var kh = k.AsSpan(head * m.HeadDim, m.HeadDim);
                if (m.QkNorm)
                    RmsNorm(kh.ToArray(), W(p + "attn_k_norm.weight")).CopyTo(kh);
                Rotate(kh, position);
            }
            _keys[l].Add(k);
            _values[l].Add(v);

            var attention = new double[m.Heads * m.HeadDim];
            for (var head = 0; head < m.Heads; head++)
            {
                var kvHead = head * m.KvHeads / m.Heads;
                var scores = new double[position + 1];
                for (var t = 0; t <= position; t++)
                {
                    for (var i = 0; i < m.HeadDim; i++)
                        scores[t] += q[head * m.HeadDim + i] * _keys[l][t][kvHead * m.HeadDim + i];
                    scores[t] /= Math.Sqrt(m.HeadDim);
                }
                var max = scores.Max();
                var exps = scores.Select(s => Math.Exp(s - max)).ToArray();
                var sum = exps.Sum();
                for (var t = 0; t <= position; t++)
                {
                    for (var i = 0; i < m.HeadDim; i++)
                        attention[head * m.HeadDim + i] += exps[t] / sum * _values[l][t][kvHead * m.HeadDim + i];
                }
            }
            x = Add(x, MatVec(W(p + "attn_output.weight"), attention));

            h = RmsNorm(x, W(p + "ffn_norm.weight"));
            var gate = MatVec(W(p + "ffn_gate.weight"), h);
            var up = MatVec(W(p + "ffn_up.weight"), h);
            var hidden = gate.Select((g, i) => g / (1 + Math.Exp(-g)) * up[i]).ToArray();
            x = Add(x, MatVec(W(p + "ffn_down.weight"), hidden));
        }
        var output = m.Weights.TryGetValue("output.weight", out var o) ? o : W("token_embd.weight");
        return MatVec(output, RmsNorm(x, W("output_norm.weight")));
    }

    private void Rotate(Span<double> head, int position)
    {
        var half = m.HeadDim / 2;
        for (var i = 0; i < half; i++)
        {
            var frequency = Math.Pow(m.RopeBase, -2.0 * i / m.HeadDim);
            if (m.RopeFrequencyFactors)
                frequency /= W("rope_freqs.weight")[i];
            var angle = position * frequency;
            var (a, b) = m.NeoXRope ? (i, i + half) : (2 * i, 2 * i + 1);
            var (x0, x1) = (head[a], head[b]);
            head[a] = x0 * Math.Cos(angle) - x1 * Math.Sin(angle);
            head[b] = x0 * Math.Sin(angle) + x1 * Math.Cos(angle);
        }
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
