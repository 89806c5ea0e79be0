namespace ChatWeb.Inference.Model;

/// <summary>
/// One conversation's state in a <see cref="Transformer"/>: its key/value cache and how many tokens
/// it holds. Create with <see cref="Transformer.CreateSequence"/>; each sequence has its own position.
/// </summary>
internal sealed class Sequence
{
    internal Sequence(Transformer owner, int layers, int capacity, int kvDim)
    {
        Owner = owner;
        Capacity = capacity;
        KvDim = kvDim;
        Keys = new float[(long)layers * capacity * kvDim];
        Values = new float[(long)layers * capacity * kvDim];
    }

    internal Transformer Owner { get; }
    internal int KvDim { get; }
    internal float[] Keys { get; }    // [layer, position, kvDim]
    internal float[] Values { get; }  // [layer, position, kvDim]

    /// <summary>Most tokens this sequence can hold.</summary>
    public int Capacity { get; }

    /// <summary>Tokens processed so far: the position the next token takes.</summary>
    public int Length { get; internal set; }

    /// <summary>Forgets every token after the first <paramref name="length"/> (e.g. to reuse a shared prompt prefix).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        Length = length;
    }

    public void Reset() => Length = 0;

    internal Span<float> KeyAt(int layer, int position) => Keys.AsSpan(Offset(layer, position), KvDim);

    internal Span<float> ValueAt(int layer, int position) => Values.AsSpan(Offset(layer, position), KvDim);

    internal int LayerOffset(int layer) => checked(layer * Capacity * KvDim);

    private int Offset(int layer, int position) => LayerOffset(layer) + position * KvDim;
}
