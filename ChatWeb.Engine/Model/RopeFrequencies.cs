namespace ChatWeb.Engine.Model;

/// <summary>
/// How fast RoPE turns each pair of dimensions for one kind of layer: θ_i = base^(−2i / ropeDims),
/// divided by the file's frequency factors (Llama 3.1's <c>rope_freqs</c>, Phi-3's LongRoPE
/// <c>rope_factors_short/long</c>) and multiplied by the linear rope scale.
/// </summary>
internal sealed class RopeFrequencies
{
    private readonly float[] _inverse;      // [ropeDims / 2]
    private readonly float[]? _longInverse; // [ropeDims / 2] for sequences longer than the original context (LongRoPE)
    private readonly int _originalContext;
    private readonly float _attentionFactor;

    private RopeFrequencies(float[] inverse, float[]? longInverse, int originalContext, float attentionFactor) =>
        (_inverse, _longInverse, _originalContext, _attentionFactor) = (inverse, longInverse, originalContext, attentionFactor);

    /// <summary>The frequencies of full-attention layers (of every layer, unless <see cref="Local"/> gives others).</summary>
    public static RopeFrequencies Global(ModelConfig c, ModelWeights w) => new(
        Inverse(c.RopeDims, c.RopeBase, c.RopeScale, w.RopeFrequencyFactors),
        w.LongRopeFrequencyFactors is null ? null : Inverse(c.RopeDims, c.RopeBase, c.RopeScale, w.LongRopeFrequencyFactors),
        c.RopeOriginalContext, c.RopeAttentionFactor);

    /// <summary>Gemma 3's sliding-window layers: their own base, no scaling; null when every layer uses <see cref="Global"/>.</summary>
    public static RopeFrequencies? Local(ModelConfig c) =>
        c.Architecture.LocalRopeBase is { } localBase ? new(Inverse(c.RopeDims, localBase, 1f, null), null, 0, 1f) : null;

    /// <summary>cos and sin of position · θ_i (times the LongRoPE attention factor) for a row of a sequence of <paramref name="capacity"/> tokens.</summary>
    public void Angles(int position, int capacity, Span<float> cos, Span<float> sin)
    {
        // LongRoPE: a sequence that may grow past the original context turns with the long factors (as llama.cpp picks them by context size)
        var inverse = _longInverse is not null && capacity > _originalContext ? _longInverse : _inverse;
        for (var i = 0; i < inverse.Length; i++)
        {
            var angle = position * inverse[i];
            cos[i] = MathF.Cos(angle) * _attentionFactor;
            sin[i] = MathF.Sin(angle) * _attentionFactor;
        }
    }

    private static float[] Inverse(int ropeDims, float ropeBase, float scale, float[]? factors)
    {
        var inverse = new float[ropeDims / 2];
        for (var i = 0; i < inverse.Length; i++)
            inverse[i] = 1f / MathF.Pow(ropeBase, 2f * i / ropeDims) / (factors?[i] ?? 1f) * scale;
        return inverse;
    }
}
