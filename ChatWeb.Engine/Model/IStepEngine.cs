namespace ChatWeb.Engine.Model;

/// <summary>
/// What the inference scheduler needs of a model: sequences and the general forward step.
/// <see cref="Transformer"/> is the real one; tests wrap it to inject faults.
/// </summary>
internal interface IStepEngine
{
    ModelConfig Config { get; }

    Sequence CreateSequence(int capacity = 0);

    /// <summary>Bytes of the KV cache of a sequence of <paramref name="capacity"/> tokens.</summary>
    long KvCacheBytes(int capacity);

    /// <summary>One pass over the weights for any mix of prompt and decode tokens; see <see cref="Transformer.Forward"/>.</summary>
    void Forward(ReadOnlySpan<BatchToken> batch, Span<float> logits);
}
