namespace ChatWeb.Engine.Model;

/// <summary>How a <see cref="Transformer"/> runs.</summary>
public sealed record EngineOptions
{
    /// <summary>Threads used by matrix multiplication and attention (the caller's included); 0 = one per core.</summary>
    public int Threads { get; init; }

    /// <summary>Most tokens processed in one forward step; longer prompts are processed in chunks this size.</summary>
    public int MaxBatch { get; init; } = 256;

    /// <summary>How sequences store their keys and values (F32 exact, F16 half the memory, Q8_0 about a quarter).</summary>
    public KvCacheType KvCacheType { get; init; } = KvCacheType.F32;
}
