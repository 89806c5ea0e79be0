using System.Text.Json.Serialization;
using ChatWeb.Library;

namespace ChatWeb.Api.Chat;

/// <summary>The JSON events of <c>POST /api/chat</c>'s stream (and the sync reply), camelCase on the wire.</summary>
internal static class ChatEvents
{
    public sealed record TokenEvent(string Token, string Phase);

    /// <summary>
    /// The end of a reply. <paramref name="ForgottenMessages"/>: how many of the conversation's oldest messages it no longer
    /// keeps (ChatWeb:Api:MaxConversationCharacters); <paramref name="ForgottenConversations"/>: the caller's conversations
    /// forgotten to make room for this new one (ChatWeb:Api:MaxConversationsPerOwner).
    /// </summary>
    public sealed record DoneEvent(string ConversationId, string FinishReason, ChatUsage Usage, ChatTimings Timings,
        int ForgottenMessages, IReadOnlyList<string> ForgottenConversations)
    {
        [JsonPropertyName("done"), JsonPropertyOrder(-1)]
        public bool IsDone => true;
    }

    public sealed record ErrorEvent(string Error);

    /// <summary>The whole reply of /api/chat/sync; the forgotten fields as in <see cref="DoneEvent"/>.</summary>
    public sealed record SyncReply(string ConversationId, string Response, string Thinking, string FinishReason, ChatUsage Usage, ChatTimings Timings,
        int ForgottenMessages, IReadOnlyList<string> ForgottenConversations);

    public static TokenEvent From(ThinkingToken step) => new(step.Text, "thinking");

    public static TokenEvent From(AnswerToken step) => new(step.Text, "answer");
}
