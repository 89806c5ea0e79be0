namespace ChatWeb.Inference.Tensors;

/// <summary>
/// What a quantized block type (<see cref="Q8_0"/>, <see cref="Q4_0"/>, <see cref="Q4_K"/>,
/// <see cref="Q6_K"/>) provides to <see cref="QuantizedMatMul"/>. Every dot product is between one
/// row of weight blocks and one row of <see cref="QuantizedActivations"/>.
/// </summary>
internal unsafe interface IQuantizedBlock<TSelf> where TSelf : unmanaged, IQuantizedBlock<TSelf>
{
    /// <summary>Weights per block (32 or 256).</summary>
    static abstract int BlockSize { get; }

    /// <summary>Whether the kernels read <see cref="QuantizedActivations.GroupSums"/>.</summary>
    static abstract bool NeedsGroupSums { get; }

    /// <summary>Writes <paramref name="count"/> blocks as floats (the plain reference).</summary>
    static abstract void Dequantize(TSelf* blocks, int count, float* destination);

    /// <summary>Σ W·x over <paramref name="count"/> blocks and batch row <paramref name="b"/> of
    /// <paramref name="x"/>, with plain scalar loops: the reference for <see cref="Dot"/>.</summary>
    static abstract float DotScalar(TSelf* w, QuantizedActivations x, int b, int count);

    /// <summary>The same as <see cref="DotScalar"/> at the given vector width.</summary>
    static abstract float Dot(TSelf* w, QuantizedActivations x, int b, int count, SimdLevel level);

    /// <summary>Dots one weight row with batch rows b .. b+3 at once, loading and unpacking each
    /// weight block once for all four (level Vector256 or wider); results[k] is row b+k.</summary>
    static abstract void Dot4(TSelf* w, QuantizedActivations x, int b, int count, float* results, SimdLevel level);
}
