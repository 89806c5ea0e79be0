using ChatWeb.Library;

namespace ChatWeb.Api.OpenAi;

/// <summary>The objects <c>/v1/chat/completions</c> answers with, named as OpenAI names them (snake_case on the wire).</summary>
internal static class CompletionResponses
{
    public sealed record Completion(string Id, long Created, string Model, List<Choice> Choices, Usage Usage)
    {
        public string Object => "chat.completion";
    }

    public sealed record Choice(int Index, Message Message, string FinishReason);

    public sealed record Message(string Role, string Content, string? ReasoningContent);

    public sealed record Chunk(string Id, long Created, string Model, List<ChunkChoice> Choices, Usage? Usage = null)
    {
        public string Object => "chat.completion.chunk";
    }

    public sealed record ChunkChoice(int Index, Delta Delta, string? FinishReason = null);

    public sealed record Delta(string? Role = null, string? Content = null, string? ReasoningContent = null);

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
}
