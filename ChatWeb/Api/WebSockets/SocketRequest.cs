using ChatWeb.Chat;
using ChatWeb.Api.Chat;

namespace ChatWeb.Api.WebSockets;

/// <summary>
/// A message from a WebSocket client: <c>{"type":"chat","id":"a","message":"…"}</c> starts (or continues)
/// the conversation the client calls "a"; <c>{"type":"cancel","id":"a"}</c> stops its reply.
/// A "chat" takes the same fields as <c>POST /api/chat</c>. The earlier WebSocket chat's form,
/// <c>{"id":"a","prompt":"…"}</c> with no type (and no id to start a conversation), is a chat turn too.
/// </summary>
internal sealed class SocketRequest
{
    public string? Type { get; init; }
    public string? Id { get; init; }
    public string? Message { get; init; }

    /// <summary>The prompt of the earlier form (which has no <see cref="Type"/>).</summary>
    public string? Prompt { get; init; }
    public string? ConversationId { get; init; }
    public string? Preset { get; init; }
    public string? System { get; init; }
    public GenerationSettings? Settings { get; init; }

    /// <summary>The model to answer with, as in <c>POST /api/chat</c> (a name from <c>/v1/models</c>; omitted = the local model).</summary>
    public string? Model { get; init; }

    /// <summary>A message in the earlier form: no type, a prompt; its replies use that form too.</summary>
    public bool IsEarlierForm => Type is null && Prompt is not null;

    public ChatRequest ToChatRequest(string? knownConversationId) => new()
    {
        Message = Message ?? Prompt,
        ConversationId = ConversationId ?? knownConversationId,
        Preset = Preset,
        System = System,
        Settings = Settings,
        Model = Model,
    };
}
