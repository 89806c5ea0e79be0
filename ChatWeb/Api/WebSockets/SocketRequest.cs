using ChatWeb.Chat;
using ChatWeb.Api.Chat;

namespace ChatWeb.Api.WebSockets;

/// <summary>
/// A message from a WebSocket client: <c>{"type":"chat","id":"a","message":"…"}</c> starts (or continues)
/// the conversation the client calls "a"; <c>{"type":"cancel","id":"a"}</c> stops its reply.
/// A "chat" takes the same fields as <c>POST /api/chat</c>.
/// </summary>
internal sealed class SocketRequest
{
    public string? Type { get; init; }
    public string? Id { get; init; }
    public string? Message { get; init; }
    public string? ConversationId { get; init; }
    public string? Preset { get; init; }
    public string? System { get; init; }
    public GenerationSettings? Settings { get; init; }

    public ChatRequest ToChatRequest(string? knownConversationId) => new()
    {
        Message = Message,
        ConversationId = ConversationId ?? knownConversationId,
        Preset = Preset,
        System = System,
        Settings = Settings,
    };
}
