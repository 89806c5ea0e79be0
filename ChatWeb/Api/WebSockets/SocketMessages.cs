using System.Text.Json.Serialization;
using ChatWeb.Library;

namespace ChatWeb.Api.WebSockets;

/// <summary>
/// What the server sends on <c>/ws/chat</c>, each tagged with the client's conversation id:
/// <c>message</c> (a token, with its phase; for the earlier form a piece of answer text in <c>message</c>),
/// <c>event</c> (started, thinking, done with usage, cancelled) and <c>error</c>.
/// </summary>
internal static class SocketMessages
{
    public sealed record TokenMessage(string Id, string Token, string Phase)
    {
        [JsonPropertyOrder(-1)]
        public string Type => "message";
    }

    /// <summary>A piece of the answer for a client of the earlier form, which prints <c>message["message"]</c>.</summary>
    public sealed record TextMessage(string Id, string Message)
    {
        [JsonPropertyOrder(-1)]
        public string Type => "message";
    }

    public sealed record EventMessage(string Id, string Event, string? ConversationId = null, string? FinishReason = null,
        ChatUsage? Usage = null, ChatTimings? Timings = null)
    {
        [JsonPropertyOrder(-1)]
        public string Type => "event";

        /// <summary>On "started": the client ids whose conversations this socket (or the caller's conversation limit) has forgotten.</summary>
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public IReadOnlyList<string>? ForgottenIds { get; init; }

        /// <summary>On "done": how many of the conversation's oldest messages it no longer keeps.</summary>
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public int? ForgottenMessages { get; init; }
    }

    public sealed record ErrorMessage(string? Id, string Error, Dictionary<string, string[]>? Errors = null)
    {
        [JsonPropertyOrder(-1)]
        public string Type => "error";

        /// <summary>Seconds to wait before trying again, when the refusal is a rate limit or a full queue.</summary>
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public int? RetryAfter { get; init; }
    }
}
