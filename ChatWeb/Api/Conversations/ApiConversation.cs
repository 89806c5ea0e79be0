using ChatWeb.Library;

namespace ChatWeb.Api.Conversations;

/// <summary>
/// A conversation held for API clients: an id, the caller it belongs to (<see cref="Access.ApiCaller.Owner"/>),
/// and the chat session with its history (and its one-reply-at-a-time guard). A kept conversation lives in the
/// database (<see cref="DatabaseConversationStore"/>): claiming a turn loads it, ending the turn stores it, so any
/// instance may serve the next turn. A one-off conversation has no store and is never kept.
/// </summary>
internal sealed class ApiConversation(string id, string owner, ChatSession session, DatabaseConversationStore? store = null,
    bool claimedAtCreation = false)
{
    private bool _claimed = claimedAtCreation; // a new row is created claimed for its first reply: there is nothing to load
    public string Id { get; } = id;
    public string Owner { get; } = owner;
    public ChatSession Session { get; } = session;

    /// <summary>Claims the conversation for one reply (and loads what it holds); false when a reply is already streaming, on any instance.</summary>
    public bool TryBeginTurn()
    {
        if (!Session.TryBeginTurn())
            return false;
        if (store is null || _claimed || store.TryClaim(this))
        {
            _claimed = false;
            return true;
        }
        Session.EndTurn();
        return false;
    }

    /// <summary>Ends the reply: the conversation is stored (with the turn) and free for the next one.</summary>
    public void EndTurn()
    {
        try
        {
            store?.Save(this);
        }
        finally
        {
            Session.EndTurn();
        }
    }
}
