namespace ChatWeb.Engine.Model;

/// <summary>
/// One conversation's state in a <see cref="Transformer"/>: its key/value cache and how many tokens
/// it holds. Create with <see cref="Transformer.CreateSequence"/>; each sequence has its own position.
/// </summary>
public sealed class Sequence
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
    // Position runs fastest, so one dimension of one head over every cached position is one
    // contiguous span: attention then works on long vectors instead of many 64-float ones.
    internal float[] Keys { get; }    // [layer, kvDim, position]
    internal float[] Values { get; }  // [layer, kvDim, position]

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

    /// <summary>Empties the sequence (its KV cache is reused from position 0).</summary>
    public void Reset() => Length = 0;

    /// <summary>Writes one token's key and value [kvDim] at <paramref name="position"/> of a layer.</summary>
    internal void Store(int layer, int position, ReadOnlySpan<float> key, ReadOnlySpan<float> value)
    {
        var offset = LayerOffset(layer) + position;
        for (var d = 0; d < KvDim; d++, offset += Capacity)
        {
            Keys[offset] = key[d];
            Values[offset] = value[d];
        }
    }

    /// <summary>Where dimension <paramref name="dimension"/> (of kvDim) of a layer starts: its values at positions 0, 1, ... follow.</summary>
    internal int RowOffset(int layer, int dimension) => LayerOffset(layer) + dimension * Capacity;

    private int LayerOffset(int layer) => checked(layer * Capacity * KvDim);
}
