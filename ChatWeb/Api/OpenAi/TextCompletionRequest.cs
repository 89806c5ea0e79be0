using System.Text.Json;

namespace ChatWeb.Api.OpenAi;

/// <summary>The body of <c>POST /v1/completions</c> (OpenAI's text completion): a prompt to continue, no chat template.</summary>
internal sealed class TextCompletionRequest
{
    public string? Model { get; init; }

    /// <summary>A string, or an array holding one string.</summary>
    public JsonElement? Prompt { get; init; }

    public bool Stream { get; init; }
    public StreamOptions? StreamOptions { get; init; }
    public JsonElement? Stop { get; init; }

    /// <summary>Tokens to write; OpenAI's default for this endpoint is 16.</summary>
    public int? MaxTokens { get; init; }

    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public long? Seed { get; init; }
    public int? N { get; init; }
    public bool? Echo { get; init; }
    public JsonElement? Suffix { get; init; }
    public JsonElement? Logprobs { get; init; }

    public const int DefaultMaxTokens = 16;

    /// <summary>The prompt's text, or null when it is not one valid string.</summary>
    public string? PromptText => Prompt switch
    {
        { ValueKind: JsonValueKind.String } p => JsonText.Read(p),
        { ValueKind: JsonValueKind.Array } p when p.GetArrayLength() == 1 => JsonText.Read(p[0]),
        _ => null,
    };

    public CompletionTranslator.Problem? Check()
    {
        if (string.IsNullOrWhiteSpace(Model) || !JsonText.IsWellFormed(Model))
            return new("model", "Required: the model's id (GET /v1/models lists it).");
        if (PromptText is null)
            return new("prompt", "Required: a string (or an array of one string), in valid Unicode.");
        if (N is { } n && n != 1)
            return new("n", "Only n = 1 is supported.");
        if (Echo == true)
            return new("echo", "Echoing the prompt is not supported.");
        if (Suffix is { ValueKind: not JsonValueKind.Null })
            return new("suffix", "Not supported.");
        if (Logprobs is { ValueKind: not JsonValueKind.Null })
            return new("logprobs", "Not supported on /v1/completions; /v1/chat/completions has logprobs and top_logprobs.");
        if (Temperature is < 0 or > 2)
            return new("temperature", "Must be between 0 and 2.");
        if (TopP is <= 0 or > 1)
            return new("top_p", "Must be greater than 0 and at most 1.");
        if (MaxTokens is < 1)
            return new("max_tokens", "Must be at least 1.");
        if (CompletionTranslator.StopOf(Stop) is null)
            return new("stop", "Must be a string or an array of at most 4 non-empty strings, in valid Unicode.");
        return null;
    }
}
