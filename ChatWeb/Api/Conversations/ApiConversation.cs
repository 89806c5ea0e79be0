using ChatWeb.Library;

namespace ChatWeb.Api.Conversations;

/// <summary>A conversation held for API clients: an id and the chat session with its history (and its one-reply-at-a-time guard).</summary>
internal sealed class ApiConversation(string id, ChatSession session)
{
    public string Id { get; } = id;
    public ChatSession Session { get; } = session;

    /// <summary>Claims the conversation for one reply; false when a reply is already streaming.</summary>
    public bool TryBeginTurn() => Session.TryBeginTurn();

    public void EndTurn() => Session.EndTurn();
}
