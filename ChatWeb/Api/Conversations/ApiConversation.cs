using ChatWeb.Library;

namespace ChatWeb.Api.Conversations;

/// <summary>
/// A conversation held for API clients: an id, the caller it belongs to (<see cref="Access.ApiCaller.Owner"/>),
/// and the chat session with its history (and its one-reply-at-a-time guard).
/// </summary>
internal sealed class ApiConversation(string id, string owner, ChatSession session, Action<ApiConversation>? turnEnded = null)
{
    private long _lastUsed;

    public string Id { get; } = id;
    public string Owner { get; } = owner;
    public ChatSession Session { get; } = session;

    /// <summary>When it was last claimed, as a store's counter (the least recently used is forgotten first).</summary>
    public long LastUsed
    {
        get => Interlocked.Read(ref _lastUsed);
        set => Interlocked.Exchange(ref _lastUsed, value);
    }

    /// <summary>Claims the conversation for one reply; false when a reply is already streaming.</summary>
    public bool TryBeginTurn() => Session.TryBeginTurn();

    public void EndTurn()
    {
        Session.EndTurn();
        turnEnded?.Invoke(this);
    }
}
