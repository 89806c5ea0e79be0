using ChatWeb.Library;

namespace ChatWeb.Api.Chains;

/// <summary>The events of a streamed chain (stages count from 1, prompts from 0) and the sync reply.</summary>
internal static class ChainEvents
{
    public sealed record TokenEvent(int Stage, int Prompt, string Token, string Phase);

    public sealed record PromptDone(int Stage, int Prompt, string Answer, string FinishReason, ChatUsage Usage)
    {
        [System.Text.Json.Serialization.JsonPropertyName("promptDone")]
        public bool IsPromptDone => true;
    }

    public sealed record ChainDone(List<List<string>> Answers, ChatUsage Usage)
    {
        [System.Text.Json.Serialization.JsonPropertyName("done")]
        public bool IsDone => true;
    }

    public sealed record ErrorEvent(string Error);
}
