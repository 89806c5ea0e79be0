using System.Text.Json;

namespace ChatWeb.Api.OpenAi;

/// <summary>
/// The body of <c>POST /v1/chat/completions</c> as OpenAI defines it (snake_case). Fields ChatWeb does
/// not use (user, metadata, ...) are accepted and ignored, as clients send them freely.
/// </summary>
internal sealed class CompletionRequest
{
    public string? Model { get; init; }
    public List<CompletionMessage?>? Messages { get; init; }
    public bool Stream { get; init; }
    public StreamOptions? StreamOptions { get; init; }

    /// <summary>A string or an array of up to four strings.</summary>
    public JsonElement? Stop { get; init; }

    public int? MaxTokens { get; init; }
    public int? MaxCompletionTokens { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public long? Seed { get; init; }
    public int? N { get; init; }

    /// <summary>"none", "minimal", "low", "medium" or "high": whether and how hard a reasoning model thinks.</summary>
    public string? ReasoningEffort { get; init; }

    /// <summary>Return each answer token's log-probability.</summary>
    public bool? Logprobs { get; init; }

    /// <summary>With <see cref="Logprobs"/>: how many of the most likely alternatives to return per token (0 to 20).</summary>
    public int? TopLogprobs { get; init; }

    /// <summary>{"type": "text" | "json_object" | "json_schema", "json_schema": {"name", "schema", "strict"}}.</summary>
    public JsonElement? ResponseFormat { get; init; }

    /// <summary>Functions the model may call (see <see cref="OpenAi.Tools"/>).</summary>
    public JsonElement? Tools { get; init; }

    /// <summary>"none", "auto", "required" or {"type": "function", "function": {"name"}}.</summary>
    public JsonElement? ToolChoice { get; init; }
}

internal sealed class StreamOptions
{
    public bool IncludeUsage { get; init; }
}

internal sealed class CompletionMessage
{
    public string? Role { get; init; }

    /// <summary>A string, or an array of parts of which the "text" parts are read.</summary>
    public JsonElement? Content { get; init; }

    /// <summary>An assistant message's calls: [{"id", "type": "function", "function": {"name", "arguments": "<JSON>"}}].</summary>
    public JsonElement? ToolCalls { get; init; }

    /// <summary>A tool message: the call it answers.</summary>
    public string? ToolCallId { get; init; }
}
