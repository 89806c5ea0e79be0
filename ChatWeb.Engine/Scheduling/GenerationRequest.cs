using ChatWeb.Engine.Constraints;
using ChatWeb.Engine.Sampling;

namespace ChatWeb.Engine.Scheduling;

/// <summary>One answer to generate: token ids in, token ids out. Text, templates and stop strings stay with the caller.</summary>
public sealed record GenerationRequest
{
    /// <summary>The whole prompt, already formatted and tokenized.</summary>
    public required int[] PromptTokens { get; init; }

    /// <summary>Whose request this is: only this owner (a browser session, an API key) may cancel it, and it runs one generation at a time.</summary>
    public required string Owner { get; init; }

    /// <summary>How the next token is chosen.</summary>
    public SamplerOptions Sampling { get; init; } = new();

    /// <summary>Most tokens the answer may have.</summary>
    public int MaxNewTokens { get; init; } = 512;

    /// <summary>Tokens that end the answer (end of sequence, end of turn); they are not streamed.</summary>
    public IReadOnlyCollection<int> StopTokens { get; init; } = [];

    /// <summary>
    /// Report each chosen token's log-probability and this many of the most likely alternatives (0 to
    /// <see cref="StepLogprobs.MaxTop"/>) with every token (<see cref="GenerationUpdate.Logprobs"/>); null: none.
    /// </summary>
    public int? Logprobs { get; init; }

    /// <summary>Limits the tokens chosen (a JSON schema, a tool call); null: any token. A backend that cannot mask logits refuses it.</summary>
    public ITokenConstraint? Constraint { get; init; }
}
