using System.Text.Json.Serialization;

namespace ChatWeb.Api.Compat;

/// <summary>
/// The simple chat server's wire shapes. Every stream event has <c>token</c>, so a client that reads only
/// <c>token</c> works; thinking tokens add <c>"thinking": true</c> and a failure adds <c>error</c> (with an empty token).
/// </summary>
internal static class SimpleChatEvents
{
    public sealed record TokenEvent(
        string Token,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Thinking = false,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);

    public sealed record SyncReply(
        string Response,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Thinking);
}
