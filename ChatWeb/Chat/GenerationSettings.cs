using System.Globalization;
using Microsoft.Extensions.AI;

namespace ChatWeb.Chat;

/// <summary>
/// How one chat asks the model to generate: sampling temperature, nucleus top-p, the most new
/// tokens per answer, and whether to think first. Values are checked, never clamped: an
/// out-of-range value is refused with a message saying what is allowed.
/// </summary>
public sealed record GenerationSettings(float Temperature = 0.7f, float TopP = 0.95f, int MaxNewTokens = 2048, bool Think = false)
{
    public const float MaxTemperature = 2f;
    public const int MaxNewTokensLimit = 32_768;

    public static GenerationSettings Default { get; } = new();

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

    /// <summary>The options the model receives; thinking is asked for through <see cref="ReasoningOptions"/>.</summary>
    public ChatOptions ToChatOptions() => new()
    {
        Temperature = Temperature,
        TopP = TopP,
        MaxOutputTokens = MaxNewTokens,
        Reasoning = new ReasoningOptions { Effort = Think ? ReasoningEffort.Medium : ReasoningEffort.None },
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
