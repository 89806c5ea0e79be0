using System.Collections.Concurrent;
using ChatWeb.Chat;
using ChatWeb.Library;
using Microsoft.Extensions.AI;

namespace ChatWeb.Api.Conversations;

/// <summary>
/// Keeps API conversations in memory, at most <see cref="Capacity"/>: past that, the oldest is
/// forgotten (and continuing it answers "unknown conversation"). Lost when the process ends.
/// Each request sends what the <see cref="TurnBuilder"/> fits into the context, as on the chat page.
/// </summary>
internal sealed class InMemoryConversationStore(IChatClient client, TimeProvider time, TurnBuilder turns) : IConversationStore
{
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, ApiConversation> _conversations = new();
    private readonly ConcurrentQueue<string> _order = new();

    public ApiConversation Create()
    {
        var conversation = CreateOneOff();
        _conversations[conversation.Id] = conversation;
        _order.Enqueue(conversation.Id);
        while (_conversations.Count > Capacity && _order.TryDequeue(out var oldest))
            _conversations.TryRemove(oldest, out _);
        return conversation;
    }

    public ApiConversation CreateOneOff() => new(Guid.NewGuid().ToString("n"), new ChatSession(client, turns) { Time = time });

    public ApiConversation? Find(string id) => _conversations.GetValueOrDefault(id);
}
