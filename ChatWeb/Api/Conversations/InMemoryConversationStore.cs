using System.Collections.Concurrent;
using ChatWeb.Chat;
using ChatWeb.Library;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using ChatWeb.Engine.Chat;

namespace ChatWeb.Api.Conversations;

/// <summary>
/// Keeps API conversations in memory, at most <see cref="Capacity"/>: past that, the oldest is
/// forgotten (and continuing it answers "unknown conversation"). Lost when the process ends.
/// Each request sends what fits the context, trimmed as on the chat page (<see cref="ContextTrimmer"/>,
/// <c>ChatWeb:Conversations</c>).
/// </summary>
internal sealed class InMemoryConversationStore(
    IChatClient client, TimeProvider time, IOptions<ConversationOptions> context, ITokenCounter tokens) : IConversationStore
{
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, ApiConversation> _conversations = new();
    private readonly ConcurrentQueue<string> _order = new();

    public ApiConversation Create()
    {
        var id = Guid.NewGuid().ToString("n");
        var conversation = new ApiConversation(id, new ChatSession(client) { Time = time, TrimHistory = Trim });
        _conversations[id] = conversation;
        _order.Enqueue(id);
        while (_conversations.Count > Capacity && _order.TryDequeue(out var oldest))
            _conversations.TryRemove(oldest, out _);
        return conversation;
    }

    public ApiConversation? Find(string id) => _conversations.GetValueOrDefault(id);

    private IReadOnlyList<ChatMessage> Trim(IReadOnlyList<string> systemPrompts, IReadOnlyList<ChatMessage> conversation)
    {
        var limits = context.Value;
        var budget = limits.ContextTokens - limits.AnswerTokens - systemPrompts.Sum(p => tokens.Count(p) + ContextTrimmer.PerMessageTokens);
        return ContextTrimmer.Trim("", conversation, limits.MaxTurns, budget, tokens).Messages;
    }
}
