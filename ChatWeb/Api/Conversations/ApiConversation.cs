using ChatWeb.Library;

namespace ChatWeb.Api.Conversations;

/// <summary>A conversation held for API clients: an id and the chat session with its history.</summary>
internal sealed class ApiConversation(string id, ChatSession session)
{
    private int _busy;

    public string Id { get; } = id;
    public ChatSession Session { get; } = session;

    /// <summary>Claims the conversation for one reply; false when a reply is already streaming.</summary>
    public bool TryBeginTurn() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    public void EndTurn() => Volatile.Write(ref _busy, 0);
}
