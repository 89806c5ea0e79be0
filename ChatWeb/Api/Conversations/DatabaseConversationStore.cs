using System.Data.Common;
using ChatWeb.Chat;
using ChatWeb.Library;
using ChatWeb.Storage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ChatWeb.Api.Conversations;

/// <summary>
/// Keeps API conversations in the database (SQLite, or PostgreSQL shared by every instance) within the limits of
/// <see cref="ApiOptions"/>: each keeps at most <c>MaxConversationCharacters</c> (its oldest turns forgotten past
/// that, by <see cref="ChatSession"/>), each owner at most <c>MaxConversationsPerOwner</c> (a new one forgets the
/// owner's least recently used, and says which), and all together at most <c>MaxConversations</c> and
/// <c>MaxStoredCharacters</c> (the least recently used idle ones are forgotten; continuing one answers "unknown
/// conversation"). A turn claims its row for <see cref="TurnLease"/> at most, so a second request, on any instance,
/// is refused as busy, and an instance that dies mid-reply blocks the conversation no longer than that.
/// Each request sends what the <see cref="TurnBuilder"/> fits into the context, as on the chat page.
/// </summary>
internal sealed class DatabaseConversationStore(IChatClient client, TimeProvider time, TurnBuilder turns, IOptions<ApiOptions> options,
    ApiConversationStore rows, ILogger<DatabaseConversationStore> logger) : IConversationStore
{
    /// <summary>The longest a reply may hold its conversation; past it another request may claim it (the first instance may have died).</summary>
    public static readonly TimeSpan TurnLease = TimeSpan.FromMinutes(10);

    public (ApiConversation Conversation, IReadOnlyList<string> Forgotten) Create(string owner)
    {
        var limits = options.Value;
        var conversation = Kept(Guid.NewGuid().ToString("n"), owner, claimed: true);
        var forgotten = rows.Create(conversation.Id, owner, limits.MaxConversationsPerOwner, limits.MaxConversations, time.GetUtcNow() + TurnLease);
        return (conversation, forgotten);
    }

    public ApiConversation CreateOneOff(string owner) =>
        new(Guid.NewGuid().ToString("n"), owner, new ChatSession(client, turns) { Time = time });

    public ApiConversation? Find(string id, string owner) => rows.Exists(id, owner) ? Kept(id, owner) : null;

    /// <summary>Claims the conversation's row and loads its history and system prompts into the session.</summary>
    public bool TryClaim(ApiConversation conversation)
    {
        if (rows.TryClaim(conversation.Id, conversation.Owner, time.GetUtcNow() + TurnLease) is not { } state)
            return false;
        var session = conversation.Session;
        session.Restore(state.History.Select(m => new ChatMessage(new ChatRole(m.Role), m.Text)), state.Forgotten);
        session.SystemPrompts.Clear();
        session.SystemPrompts.AddRange(state.SystemPrompts);
        return true;
    }

    /// <summary>Stores the conversation after a reply (releasing its claim), then keeps the table within its characters.</summary>
    public void Save(ApiConversation conversation)
    {
        var session = conversation.Session;
        try
        {
            rows.Save(conversation.Id, conversation.Owner, new ApiConversationState(
                [.. session.SystemPrompts], [.. session.History.Select(m => new ApiTurnMessage(m.Role.Value, m.Text))], session.Forgotten));
            rows.ForgetPastCharacters(options.Value.MaxStoredCharacters);
        }
        catch (DbException e)
        {
            // The reply has been sent; the turn is lost from the conversation, and its claim runs out with the lease.
            ApiLog.ConversationNotSaved(logger, e, conversation.Id);
        }
    }

    private ApiConversation Kept(string id, string owner, bool claimed = false) => new(id, owner,
        new ChatSession(client, turns) { Time = time, MaxHistoryCharacters = options.Value.MaxConversationCharacters }, this, claimed);
}
