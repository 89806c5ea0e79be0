using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;

namespace ChatWeb.Chat;

/// <summary>
/// How one reply is generated: sampling temperature, nucleus top-p, top-k, the most new tokens,
/// a seed, stop strings, and whether to think first. The same type for the chat page (which starts
/// from <see cref="Default"/> and stores it with the conversation) and for the APIs' <c>settings</c>
/// object (where every field is optional: the backend's default applies). Values are checked, never
/// clamped: an out-of-range value is refused with a message saying what is allowed.
/// </summary>
public sealed record GenerationSettings
{
    public const float MaxTemperature = 2f;
    public const int MaxNewTokensLimit = 32_768;
    public const int MaxStopSequences = 4;

    /// <summary>What a new chat on the page starts with.</summary>
    public static GenerationSettings Default { get; } = new() { Temperature = 0.7f, TopP = 0.95f, MaxNewTokens = 2048, Think = false };

    public float? Temperature { get; init; }
    public float? TopP { get; init; }
    public int? TopK { get; init; }

    /// <summary>The most new tokens of the answer (<c>maxTokens</c> on the wire).</summary>
    [JsonPropertyName("maxTokens")]
    public int? MaxNewTokens { get; init; }

    public long? Seed { get; init; }
    public List<string>? Stop { get; init; }

    /// <summary>Ask a reasoning model to think first (true) or to answer at once (false).</summary>
    public bool? Think { get; init; }

    /// <summary>The model that answers (an id of <see cref="Inference.ModelCatalog"/>); null = the local model.</summary>
    public string? Model { get; init; }

    /// <summary>Parses a temperature typed by the user, or says why it is not allowed.</summary>
    public static bool TryParseTemperature(string? text, out float value, out string? error) =>
        TryParseFloat(text, 0f, MaxTemperature, "Temperature", out value, out error);

    /// <summary>Top-p is a probability mass: more than 0, at most 1.</summary>
    public static bool TryParseTopP(string? text, out float value, out string? error)
    {
        if (!TryParseFloat(text, 0f, 1f, "Top-p", out value, out error))
            return false;
        if (value > 0f)
            return true;
        error = "Top-p must be more than 0 (and at most 1).";
        return false;
    }

    public static bool TryParseMaxNewTokens(string? text, out int value, out string? error)
    {
        error = null;
        if (!int.TryParse(text?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
        {
            error = "Max new tokens must be a whole number.";
            return false;
        }
        if (value is >= 1 and <= MaxNewTokensLimit)
            return true;
        error = $"Max new tokens must be between 1 and {MaxNewTokensLimit:N0}.";
        return false;
    }

    /// <summary>Adds an error per out-of-range field of an API request, keyed by <paramref name="prefix"/> + the field's name.</summary>
    public void Validate(string prefix, Dictionary<string, string[]> errors)
    {
        if (Temperature is < 0 or > MaxTemperature || Temperature is float.NaN)
            errors[prefix + "temperature"] = [$"Must be between 0 and {MaxTemperature}."];
        if (TopP is <= 0 or > 1 || TopP is float.NaN)
            errors[prefix + "topP"] = ["Must be greater than 0 and at most 1."];
        if (TopK is < 1)
            errors[prefix + "topK"] = ["Must be at least 1."];
        if (MaxNewTokens is < 1 or > MaxNewTokensLimit)
            errors[prefix + "maxTokens"] = [$"Must be between 1 and {MaxNewTokensLimit}."];
        if (Stop is { Count: > MaxStopSequences })
            errors[prefix + "stop"] = [$"At most {MaxStopSequences} stop sequences."];
        else if (Stop?.Any(string.IsNullOrEmpty) == true)
            errors[prefix + "stop"] = ["Stop sequences must not be empty."];
    }

    /// <summary>The options the model receives; thinking is asked for through <see cref="ReasoningOptions"/>.</summary>
    public ChatOptions ToChatOptions() => new()
    {
        Temperature = Temperature,
        TopP = TopP,
        TopK = TopK,
        MaxOutputTokens = MaxNewTokens,
        Seed = Seed,
        StopSequences = Stop,
        ModelId = Model,
        Reasoning = Think is { } think ? new ReasoningOptions { Effort = think ? ReasoningEffort.Medium : ReasoningEffort.None } : null,
    };

    private static bool TryParseFloat(string? text, float min, float max, string name, out float value, out string? error)
    {
        error = null;
        if (!float.TryParse(text?.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) || !float.IsFinite(value))
        {
            error = $"{name} must be a number, such as {min.ToString(CultureInfo.InvariantCulture)} or {max.ToString(CultureInfo.InvariantCulture)}.";
            return false;
        }
        if (value >= min && value <= max)
            return true;
        error = $"{name} must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}.";
        return false;
    }
}
