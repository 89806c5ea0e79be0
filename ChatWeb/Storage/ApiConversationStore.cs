using System.Data.Common;
using System.Text.Json;

namespace ChatWeb.Storage;

/// <summary>
/// The rows of the API's conversations (<c>/api/chat</c>, <c>/ws/chat</c>): each owned by one caller (a conversation
/// of another caller behaves exactly like one that does not exist), claimed by one reply at a time, and forgotten
/// least recently used first when a caller or the whole table holds too many. What a row means to a chat lives in
/// <c>Api/Conversations/DatabaseConversationStore</c>; this class only reads and writes rows.
/// </summary>
internal sealed class ApiConversationStore(ChatDatabase database, TimeProvider time)
{
    /// <summary>
    /// Creates a conversation of <paramref name="owner"/>, claimed for its first reply until <paramref name="claimedUntil"/>
    /// when given (so no other request forgets it before that reply begins); past <paramref name="maxPerOwner"/> it forgets the
    /// owner's least recently used idle ones (their ids returned), past <paramref name="maxInAll"/> anyone's.
    /// </summary>
    public IReadOnlyList<string> Create(string id, string owner, int maxPerOwner, int maxInAll, DateTimeOffset? claimedUntil = null)
    {
        var now = time.GetUtcNow().Ms();
        using var db = database.Open();
        db.Execute($"INSERT INTO api_conversations (id, owner, last_used, created_at, busy_until) VALUES ($id, $owner, {NextUse}, $now, $until)",
            ("$id", id), ("$owner", owner), ("$now", now), ("$until", claimedUntil?.Ms()));
        // Each forgetting is one statement, not a transaction around the insert: concurrent creates of one owner
        // then wait on each other for a statement at most (a transaction each deadlocked under load on PostgreSQL),
        // at the price of sometimes forgetting one conversation more than the limit asks.
        try
        {
            var mine = Convert.ToInt32(db.Scalar("SELECT COUNT(*) FROM api_conversations WHERE owner = $owner", ("$owner", owner)));
            var forgotten = ForgetLeastRecentlyUsed(db, "owner = $owner AND id <> $id", mine - maxPerOwner, now, ("$owner", owner), ("$id", id));
            var all = Convert.ToInt32(db.Scalar("SELECT COUNT(*) FROM api_conversations"));
            ForgetLeastRecentlyUsed(db, "id <> $id", all - maxInAll, now, ("$id", id));
            return forgotten;
        }
        catch (DbException e) when (e.IsTransient)
        {
            return []; // two creates' forgetting deadlocked and the database undid this one: the next create forgets
        }
    }

    /// <summary>True when <paramref name="owner"/> has a conversation with this id (streaming a reply or not).</summary>
    public bool Exists(string id, string owner)
    {
        using var db = database.Open();
        return db.Scalar("SELECT 1 FROM api_conversations WHERE id = $id AND owner = $owner", ("$id", id), ("$owner", owner)) is not null;
    }

    /// <summary>
    /// Claims the conversation for one reply until <paramref name="until"/> (or <see cref="Save"/>) and returns what it
    /// holds; null when it is not the owner's, is gone, or another reply holds an unexpired claim.
    /// </summary>
    public ApiConversationState? TryClaim(string id, string owner, DateTimeOffset until)
    {
        using var db = database.Open();
        var claimed = db.Execute($"""
            UPDATE api_conversations SET busy_until = $until, last_used = {NextUse}
            WHERE id = $id AND owner = $owner AND (busy_until IS NULL OR busy_until < $now)
            """, ("$id", id), ("$owner", owner), ("$until", until.Ms()), ("$now", time.GetUtcNow().Ms()));
        if (claimed == 0)
            return null;
        return db.Query("SELECT system_prompts, history, forgotten FROM api_conversations WHERE id = $id", r => new ApiConversationState(
                JsonSerializer.Deserialize<List<string>>(r.GetString(0)) ?? [],
                JsonSerializer.Deserialize<List<ApiTurnMessage>>(r.GetString(1)) ?? [],
                r.GetInt32(2)), ("$id", id))
            .SingleOrDefault();
    }

    /// <summary>Stores what the conversation holds after a reply and releases its claim.</summary>
    public void Save(string id, string owner, ApiConversationState state)
    {
        using var db = database.Open();
        db.Execute("""
            UPDATE api_conversations SET system_prompts = $prompts, history = $history, characters = $characters,
                forgotten = $forgotten, busy_until = NULL
            WHERE id = $id AND owner = $owner
            """, ("$id", id), ("$owner", owner), ("$prompts", JsonSerializer.Serialize(state.SystemPrompts)),
            ("$history", JsonSerializer.Serialize(state.History)), ("$characters", state.Characters), ("$forgotten", state.Forgotten));
    }

    /// <summary>Forgets the least recently used idle conversations while all together hold more than <paramref name="limit"/> characters.</summary>
    public int ForgetPastCharacters(long limit)
    {
        using var db = database.Open();
        var total = Convert.ToInt64(db.Scalar("SELECT COALESCE(SUM(characters), 0) FROM api_conversations") ?? 0L);
        if (total <= limit)
            return 0;
        var now = time.GetUtcNow().Ms();
        var forgotten = 0;
        foreach (var (id, characters) in db.Query($"SELECT id, characters FROM api_conversations WHERE {Idle} ORDER BY last_used",
                     r => (r.GetString(0), r.GetInt64(1)), ("$now", now)))
        {
            if (total <= limit)
                break;
            forgotten += db.Execute($"DELETE FROM api_conversations WHERE id = $id AND {Idle}", ("$id", id), ("$now", now));
            total -= characters;
        }
        return forgotten;
    }

    /// <summary>How many conversations <paramref name="owner"/> keeps.</summary>
    public int Count(string owner)
    {
        using var db = database.Open();
        return Convert.ToInt32(db.Scalar("SELECT COUNT(*) FROM api_conversations WHERE owner = $owner", ("$owner", owner)));
    }

    /// <summary>A conversation no reply holds (never claimed, saved, or its claim run out).</summary>
    private const string Idle = "(busy_until IS NULL OR busy_until < $now)";

    /// <summary>The use counter's next value: the least recently used row has the smallest.</summary>
    private const string NextUse = "(SELECT COALESCE(MAX(last_used), 0) + 1 FROM api_conversations)";

    private static List<string> ForgetLeastRecentlyUsed(DbConnection db, string among, int count, long now,
        params (string Name, object? Value)[] parameters)
    {
        if (count <= 0)
            return [];
        return db.Query($"""
            DELETE FROM api_conversations WHERE id IN (
                SELECT id FROM api_conversations WHERE {among} AND {Idle} ORDER BY last_used LIMIT $count)
            RETURNING id
            """, r => r.GetString(0), [.. parameters, ("$now", now), ("$count", count)]);
    }
}

/// <summary>One message of an API conversation's history: its role (<c>user</c>, <c>assistant</c>) and text.</summary>
internal sealed record ApiTurnMessage(string Role, string Text);

/// <summary>What an API conversation holds between replies.</summary>
internal sealed record ApiConversationState(IReadOnlyList<string> SystemPrompts, IReadOnlyList<ApiTurnMessage> History, int Forgotten)
{
    /// <summary>The characters of its history (the limits count these).</summary>
    public long Characters => History.Sum(m => (long)m.Text.Length);
}
