using ChatWeb.Chat;
using ChatWeb.Library;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ChatWeb.Api.Conversations;

/// <summary>
/// Keeps API conversations in memory within the limits of <see cref="ApiOptions"/>: each keeps at most
/// <c>MaxConversationCharacters</c> (its oldest turns forgotten past that), each owner at most
/// <c>MaxConversationsPerOwner</c> (a new one forgets the owner's least recently used, and says which),
/// and all together at most <c>MaxConversations</c> and <c>MaxStoredCharacters</c> (the least recently
/// used idle ones are forgotten; continuing one answers "unknown conversation"). Lost when the process ends.
/// Each request sends what the <see cref="TurnBuilder"/> fits into the context, as on the chat page.
/// One lock guards the table; the scans are linear, which is cheap at these sizes.
/// </summary>
internal sealed class InMemoryConversationStore(IChatClient client, TimeProvider time, TurnBuilder turns, IOptions<ApiOptions> options)
    : IConversationStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ApiConversation> _conversations = [];
    private long _clock;

    public (ApiConversation Conversation, IReadOnlyList<string> Forgotten) Create(string owner)
    {
        var limits = options.Value;
        var session = new ChatSession(client, turns) { Time = time, MaxHistoryCharacters = limits.MaxConversationCharacters };
        var conversation = new ApiConversation(Guid.NewGuid().ToString("n"), owner, session, TurnEnded);
        var forgotten = new List<string>();
        lock (_lock)
        {
            var mine = _conversations.Values.Where(c => c.Owner == owner).ToList();
            ForgetLeastRecentlyUsed(mine, mine.Count + 1 - limits.MaxConversationsPerOwner, forgotten);
            conversation.LastUsed = ++_clock;
            _conversations[conversation.Id] = conversation;
            if (_conversations.Count > limits.MaxConversations)
                ForgetLeastRecentlyUsed([.. _conversations.Values], _conversations.Count - limits.MaxConversations, null);
        }
        return (conversation, forgotten);
    }

    public ApiConversation CreateOneOff(string owner) =>
        new(Guid.NewGuid().ToString("n"), owner, new ChatSession(client, turns) { Time = time });

    public ApiConversation? Find(string id, string owner)
    {
        lock (_lock)
        {
            if (!_conversations.TryGetValue(id, out var conversation) || conversation.Owner != owner)
                return null;
            conversation.LastUsed = ++_clock;
            return conversation;
        }
    }

    /// <summary>After each reply: the conversation's history has grown, so the total may be over its limit.</summary>
    private void TurnEnded(ApiConversation ended)
    {
        var limit = options.Value.MaxStoredCharacters;
        lock (_lock)
        {
            long total = 0;
            foreach (var conversation in _conversations.Values)
                total += conversation.Session.HistoryCharacters;
            if (total <= limit)
                return;
            foreach (var oldest in _conversations.Values.Where(c => !c.Session.IsBusy).OrderBy(c => c.LastUsed).ToList())
            {
                if (total <= limit)
                    break;
                total -= oldest.Session.HistoryCharacters;
                _conversations.Remove(oldest.Id);
            }
        }
    }

    /// <summary>Forgets the <paramref name="count"/> least recently used idle conversations of <paramref name="among"/>. Called under the lock.</summary>
    private void ForgetLeastRecentlyUsed(List<ApiConversation> among, int count, List<string>? forgotten)
    {
        if (count <= 0)
            return;
        foreach (var conversation in among.Where(c => !c.Session.IsBusy).OrderBy(c => c.LastUsed).Take(count))
        {
            _conversations.Remove(conversation.Id);
            forgotten?.Add(conversation.Id);
        }
    }
}
