namespace ChatWeb.Api.WebSockets;

/// <summary>
/// The client's conversation ids on one WebSocket and the server conversations they continue, at most
/// <paramref name="capacity"/>: a new id past that forgets the least recently used one that is not streaming.
/// Called from the socket's read loop only, but locked because replies end on other threads.
/// </summary>
internal sealed class SocketConversations(int capacity)
{
    private readonly Dictionary<string, (string ConversationId, long LastUsed)> _ids = [];
    private long _clock;

    /// <summary>The server conversation that client id <paramref name="id"/> continues, or null for a new one.</summary>
    public string? Find(string id)
    {
        lock (_ids)
            return _ids.TryGetValue(id, out var known) ? known.ConversationId : null;
    }

    public void Forget(string id)
    {
        lock (_ids)
            _ids.Remove(id);
    }

    /// <summary>
    /// Remembers that <paramref name="id"/> continues <paramref name="conversationId"/>; forgets the ids whose
    /// conversations the server forgot (<paramref name="forgottenConversations"/>) and, past the capacity, the least
    /// recently used ids not in <paramref name="streaming"/>. Returns the client ids forgotten.
    /// </summary>
    public IReadOnlyList<string> Remember(string id, string conversationId, IReadOnlyList<string> forgottenConversations, IEnumerable<string> streaming)
    {
        lock (_ids)
        {
            var forgotten = _ids.Where(p => forgottenConversations.Contains(p.Value.ConversationId)).Select(p => p.Key).ToList();
            _ids[id] = (conversationId, ++_clock);
            var busy = streaming.ToHashSet();
            var excess = _ids.Count - capacity;
            if (excess > 0)
                forgotten.AddRange(_ids.Where(p => p.Key != id && !busy.Contains(p.Key)).OrderBy(p => p.Value.LastUsed).Take(excess).Select(p => p.Key));
            foreach (var gone in forgotten)
                _ids.Remove(gone);
            return forgotten;
        }
    }
}
