using System.Text.Json.Serialization;
using ChatWeb.Library;

namespace ChatWeb.Api.Chat;

/// <summary>The JSON events of <c>POST /api/chat</c>'s stream (and the sync reply), camelCase on the wire.</summary>
internal static class ChatEvents
{
    public sealed record TokenEvent(string Token, string Phase);

    public sealed record DoneEvent(string ConversationId, string FinishReason, ChatUsage Usage, ChatTimings Timings)
    {
        [JsonPropertyName("done"), JsonPropertyOrder(-1)]
        public bool IsDone => true;
    }

    public sealed record ErrorEvent(string Error);

    public sealed record SyncReply(string ConversationId, string Response, string Thinking, string FinishReason, ChatUsage Usage, ChatTimings Timings);

    public static TokenEvent From(ThinkingToken step) => new(step.Text, "thinking");

    public static TokenEvent From(AnswerToken step) => new(step.Text, "answer");
}
