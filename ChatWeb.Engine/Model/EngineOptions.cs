namespace ChatWeb.Engine.Model;

/// <summary>How a <see cref="Transformer"/> runs.</summary>
public sealed record EngineOptions
{
    /// <summary>Threads used by matrix multiplication and attention (the caller's included); 0 = one per core.</summary>
    public int Threads { get; init; }

    /// <summary>Most tokens processed in one forward step; longer prompts are processed in chunks this size.</summary>
    public int MaxBatch { get; init; } = 256;
}
