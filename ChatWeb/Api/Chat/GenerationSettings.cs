using Microsoft.Extensions.AI;
using Limits = ChatWeb.Chat.GenerationSettings; // the chat page's limits, the same for every interface

namespace ChatWeb.Api.Chat;

/// <summary>How the model samples a reply; every field is optional (the backend's default applies).</summary>
internal sealed class GenerationSettings
{
    public const int MaxStopSequences = 4;

    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public int? TopK { get; init; }
    public int? MaxTokens { get; init; }
    public long? Seed { get; init; }
    public List<string>? Stop { get; init; }

    /// <summary>Ask a reasoning model to think first (true) or to answer at once (false).</summary>
    public bool? Think { get; init; }

    /// <summary>Adds an error per out-of-range field, keyed by <paramref name="prefix"/> + the field's name.</summary>
    public void Validate(string prefix, Dictionary<string, string[]> errors)
    {
        if (Temperature is < 0 or > Limits.MaxTemperature || Temperature is double.NaN)
            errors[prefix + "temperature"] = [$"Must be between 0 and {Limits.MaxTemperature}."];
        if (TopP is <= 0 or > 1 || TopP is double.NaN)
            errors[prefix + "topP"] = ["Must be greater than 0 and at most 1."];
        if (TopK is < 1)
            errors[prefix + "topK"] = ["Must be at least 1."];
        if (MaxTokens is < 1 or > Limits.MaxNewTokensLimit)
            errors[prefix + "maxTokens"] = [$"Must be between 1 and {Limits.MaxNewTokensLimit}."];
        if (Stop is { Count: > MaxStopSequences })
            errors[prefix + "stop"] = [$"At most {MaxStopSequences} stop sequences."];
        else if (Stop?.Any(string.IsNullOrEmpty) == true)
            errors[prefix + "stop"] = ["Stop sequences must not be empty."];
    }

    public ChatOptions ToChatOptions() => new()
    {
        Temperature = (float?)Temperature,
        TopP = (float?)TopP,
        TopK = TopK,
        MaxOutputTokens = MaxTokens,
        Seed = Seed,
        StopSequences = Stop,
        Reasoning = Think is { } think ? new ReasoningOptions { Effort = think ? ReasoningEffort.Medium : ReasoningEffort.None } : null,
    };
}
