using System.Text.Json.Serialization;
using ChatWeb.Engine.Chat;
using ChatWeb.Library;

namespace ChatWeb.Api.OpenAi;

/// <summary>
/// The objects <c>/v1</c> answers with, named as OpenAI names them (snake_case on the wire). Fields OpenAI always
/// sends, null or not (<c>finish_reason</c> on every chunk, <c>logprobs</c>, <c>refusal</c>), are always written.
/// </summary>
internal static class CompletionResponses
{
    private const JsonIgnoreCondition Always = JsonIgnoreCondition.Never;

    public sealed record Completion(string Id, long Created, string Model, string SystemFingerprint, List<Choice> Choices, Usage Usage)
    {
        public string Object => "chat.completion";
    }

    public sealed record Choice(int Index, Message Message, string FinishReason, [property: JsonIgnore(Condition = Always)] Logprobs? Logprobs);

    public sealed record Message(string Role, [property: JsonIgnore(Condition = Always)] string? Content, string? ReasoningContent,
        List<ToolCall>? ToolCalls = null)
    {
        [JsonIgnore(Condition = Always)]
        public string? Refusal => null;
    }

    public sealed record Chunk(string Id, long Created, string Model, string SystemFingerprint, List<ChunkChoice> Choices, Usage? Usage = null)
    {
        public string Object => "chat.completion.chunk";
    }

    public sealed record ChunkChoice(int Index, Delta Delta,
        [property: JsonIgnore(Condition = Always)] string? FinishReason = null,
        [property: JsonIgnore(Condition = Always)] Logprobs? Logprobs = null);

    public sealed record Delta(string? Role = null, string? Content = null, string? ReasoningContent = null, List<ToolCall>? ToolCalls = null);

    /// <summary>A function call: in a message, and (with its <paramref name="Index"/>) whole in one streamed delta.</summary>
    public sealed record ToolCall(string Id, ToolFunction Function, int? Index = null)
    {
        public string Type => "function";

        public static ToolCall From(Microsoft.Extensions.AI.FunctionCallContent call, int? index = null) =>
            new(call.CallId, new ToolFunction(call.Name, System.Text.Json.JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>())), index);
    }

    /// <summary>The function called and its arguments as a JSON string (as OpenAI sends them).</summary>
    public sealed record ToolFunction(string Name, string Arguments);

    /// <summary>A choice's log-probabilities: one entry per token of the content.</summary>
    public sealed record Logprobs(List<TokenEntry> Content)
    {
        [JsonIgnore(Condition = Always)]
        public List<TokenEntry>? Refusal => null;

        public static Logprobs? From(IReadOnlyList<TokenLogprob>? tokens) =>
            tokens is null ? null : new(tokens.Select(TokenEntry.From).ToList());
    }

    public sealed record TokenEntry(string Token, double Logprob, int[] Bytes, List<TopEntry> TopLogprobs)
    {
        public static TokenEntry From(TokenLogprob t) =>
            new(t.Token, t.Logprob, [.. t.Bytes], t.TopLogprobs.Select(a => new TopEntry(a.Token, a.Logprob, [.. a.Bytes])).ToList());
    }

    public sealed record TopEntry(string Token, double Logprob, int[] Bytes);

    public sealed record Usage(int PromptTokens, int CompletionTokens, int TotalTokens)
    {
        public static Usage From(ChatUsage usage) => new(usage.PromptTokens, usage.CompletionTokens, usage.TotalTokens);
    }

    public sealed record ModelList(List<Model> Data)
    {
        public string Object => "list";
    }

    public sealed record Model(string Id, long Created, string OwnedBy)
    {
        public string Object => "model";
    }

    /// <summary>A text completion (<c>/v1/completions</c>), whole or one streamed chunk.</summary>
    public sealed record TextCompletion(string Id, long Created, string Model, string SystemFingerprint, List<TextChoice> Choices, Usage? Usage = null)
    {
        public string Object => "text_completion";
    }

    public sealed record TextChoice(int Index, string Text,
        [property: JsonIgnore(Condition = Always)] string? FinishReason = null)
    {
        [JsonIgnore(Condition = Always)]
        public object? Logprobs => null;
    }
}
