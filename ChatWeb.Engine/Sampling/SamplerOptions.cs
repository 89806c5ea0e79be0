namespace ChatWeb.Engine.Sampling;

/// <summary>How the next token is chosen from logits. The defaults choose greedily.</summary>
public sealed record SamplerOptions
{
    /// <summary>Softmax temperature; 0 or less means greedy (always the most likely token).</summary>
    public float Temperature { get; init; }

    /// <summary>Keep only the K most likely tokens; 0 = off.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of most likely tokens whose probabilities sum to at least P; 1 = off.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Drop tokens less likely than MinP × the most likely token's probability; 0 = off.</summary>
    public float MinP { get; init; }

    /// <summary>Divides positive (multiplies negative) logits of recently seen tokens; 1 = off.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>How many of the most recent tokens the repetition penalty looks at.</summary>
    public int RepetitionWindow { get; init; } = 64;

    /// <summary>Seed of the random draws: equal seeds and inputs give equal tokens.</summary>
    public ulong Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of its range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(TopK);
        if (!(TopP is > 0f and <= 1f))
            throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "TopP must be in (0, 1].");
        if (!(MinP is >= 0f and <= 1f))
            throw new ArgumentOutOfRangeException(nameof(MinP), MinP, "MinP must be in [0, 1].");
        if (!(RepetitionPenalty > 0f))
            throw new ArgumentOutOfRangeException(nameof(RepetitionPenalty), RepetitionPenalty, "RepetitionPenalty must be positive.");
        ArgumentOutOfRangeException.ThrowIfNegative(RepetitionWindow);
        if (float.IsNaN(Temperature))
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be a number.");
    }
}
