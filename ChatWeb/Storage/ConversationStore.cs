using ChatWeb.Chat;
using System.Data.Common;
using Microsoft.Extensions.AI;

namespace ChatWeb.Storage;

/// <summary>
/// Conversations and their messages. Every call names the owning session; a conversation of
/// another session behaves exactly like one that does not exist.
/// </summary>
public sealed class ConversationStore(ChatDatabase database, TimeProvider time)
{
    public const int MaxTitleLength = 120;

    public StoredConversation Create(string owner, string title, string? presetId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var now = time.GetUtcNow();
        var conversation = new StoredConversation(Ids.New(), owner, ShortTitle(title), presetId, "{}", now, now);
        using var db = database.Open();
        db.Execute("""
            INSERT INTO conversations (id, owner, title, preset_id, settings, created_at, updated_at)
            VALUES ($id, $owner, $title, $preset, $settings, $now, $now)
            """,
            ("$id", conversation.Id), ("$owner", owner), ("$title", conversation.Title), ("$preset", presetId),
            ("$settings", conversation.Settings), ("$now", now.Ms()));
        return conversation;
    }

    /// <summary>The session's conversations, most recently active first.</summary>
    public IReadOnlyList<StoredConversation> List(string owner)
    {
        using var db = database.Open();
        return db.Query($"{SelectConversation} WHERE owner = $owner ORDER BY updated_at DESC, created_at DESC", ReadConversation, ("$owner", owner));
    }

    public StoredConversation? Find(string owner, string id)
    {
        using var db = database.Open();
        return db.Query($"{SelectConversation} WHERE id = $id AND owner = $owner", ReadConversation, ("$id", id), ("$owner", owner))
            .SingleOrDefault();
    }

    public IReadOnlyList<StoredMessage> Messages(string owner, string conversationId)
    {
        using var db = database.Open();
        return db.Query("""
            SELECT m.id, m.role, m.text, m.thoughts, m.status, m.error, m.created_at, m.updated_at,
                   m.thinking_ms, m.output_tokens, m.generation_ms
            FROM messages m JOIN conversations c ON c.id = m.conversation_id
            WHERE c.id = $id AND c.owner = $owner ORDER BY m.seq
            """, ReadMessage, ("$id", conversationId), ("$owner", owner));
    }

    /// <summary>Appends a message and returns its id; null when the conversation is not this session's.</summary>
    public string? AddMessage(string owner, string conversationId, ChatRole role, string text, MessageStatus status,
        string? thoughts = null, string? error = null)
    {
        var now = time.GetUtcNow().Ms();
        var id = Ids.New();
        using var db = database.Open();
        var added = db.Execute("""
            INSERT INTO messages (id, conversation_id, seq, role, text, thoughts, status, error, created_at, updated_at)
            SELECT $id, c.id, COALESCE((SELECT MAX(seq) FROM messages WHERE conversation_id = c.id), 0) + 1,
                   $role, $text, $thoughts, $status, $error, $now, $now
            FROM conversations c WHERE c.id = $conversation AND c.owner = $owner
            """,
            ("$id", id), ("$conversation", conversationId), ("$owner", owner), ("$role", role.Value), ("$text", text),
            ("$thoughts", thoughts), ("$status", status.ToString()), ("$error", error), ("$now", now));
        if (added == 0)
            return null;
        Touch(db, owner, conversationId, now);
        return id;
    }

    /// <summary>Saves a message's current text and status (called while it streams and when it ends).</summary>
    public bool UpdateMessage(string owner, string messageId, string text, MessageStatus status, string? thoughts = null, string? error = null,
        MessageStats? stats = null)
    {
        var now = time.GetUtcNow().Ms();
        using var db = database.Open();
        return db.Execute("""
            UPDATE messages SET text = $text, thoughts = $thoughts, status = $status, error = $error, updated_at = $now,
                thinking_ms = $thinking, output_tokens = $tokens, generation_ms = $generation
            WHERE id = $id AND conversation_id IN (SELECT id FROM conversations WHERE owner = $owner)
            """,
            ("$id", messageId), ("$owner", owner), ("$text", text), ("$thoughts", thoughts),
            ("$status", status.ToString()), ("$error", error), ("$now", now),
            ("$thinking", (long?)stats?.Thinking?.TotalMilliseconds), ("$tokens", stats?.OutputTokens),
            ("$generation", (long?)stats?.Generation?.TotalMilliseconds)) == 1;
    }

    /// <summary>Removes a message and every later one of its conversation (regenerate, edit); false when not this session's.</summary>
    public bool DeleteMessagesFrom(string owner, string messageId)
    {
        using var db = database.Open();
        return db.Execute("""
            DELETE FROM messages WHERE id IN (
                SELECT later.id FROM messages m
                JOIN conversations c ON c.id = m.conversation_id AND c.owner = $owner
                JOIN messages later ON later.conversation_id = m.conversation_id AND later.seq >= m.seq
                WHERE m.id = $id)
            """, ("$id", messageId), ("$owner", owner)) > 0;
    }

    public bool Rename(string owner, string id, string title)
    {
        if (string.IsNullOrWhiteSpace(title))
            throw new ArgumentException("A conversation needs a title.", nameof(title));
        if (title.Trim().Length > MaxTitleLength)
            throw new ArgumentException($"A title can have at most {MaxTitleLength} characters.", nameof(title));
        using var db = database.Open();
        return db.Execute("UPDATE conversations SET title = $title WHERE id = $id AND owner = $owner",
            ("$id", id), ("$owner", owner), ("$title", title.Trim())) == 1;
    }

    public bool SetPreset(string owner, string id, string? presetId)
    {
        using var db = database.Open();
        return db.Execute("UPDATE conversations SET preset_id = $preset WHERE id = $id AND owner = $owner",
            ("$id", id), ("$owner", owner), ("$preset", presetId)) == 1;
    }

    public bool SetSettings(string owner, string id, string settingsJson)
    {
        using var db = database.Open();
        return db.Execute("UPDATE conversations SET settings = $settings WHERE id = $id AND owner = $owner",
            ("$id", id), ("$owner", owner), ("$settings", settingsJson)) == 1;
    }

    public bool Delete(string owner, string id)
    {
        using var db = database.Open();
        return db.Execute("DELETE FROM conversations WHERE id = $id AND owner = $owner", ("$id", id), ("$owner", owner)) == 1;
    }

    /// <summary>Conversations started at or after <paramref name="since"/>, by every session (for the admin overview).</summary>
    public int CountCreatedSince(DateTimeOffset since)
    {
        using var db = database.Open();
        return Convert.ToInt32(db.Scalar("SELECT COUNT(*) FROM conversations WHERE created_at >= $since", ("$since", since.Ms())));
    }

    /// <summary>At start-up: answers that were streaming when the server stopped are marked interrupted.</summary>
    public int MarkStreamingInterrupted()
    {
        using var db = database.Open();
        return db.Execute("UPDATE messages SET status = $interrupted WHERE status = $streaming",
            ("$interrupted", nameof(MessageStatus.Interrupted)), ("$streaming", nameof(MessageStatus.Streaming)));
    }

    /// <summary>A title from the first prompt: its first line, shortened.</summary>
    public static string ShortTitle(string prompt)
    {
        var line = prompt.Trim().Split('\n', 2)[0].Trim();
        if (line.Length == 0)
            return "New chat";
        return line.Length <= 60 ? line : line[..57].TrimEnd() + "…";
    }

    private static void Touch(DbConnection db, string owner, string id, long now) =>
        db.Execute("UPDATE conversations SET updated_at = $now WHERE id = $id AND owner = $owner", ("$id", id), ("$owner", owner), ("$now", now));

    private const string SelectConversation = "SELECT id, owner, title, preset_id, settings, created_at, updated_at FROM conversations";

    private static StoredConversation ReadConversation(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.NullableString(3), r.GetString(4), r.Time(5), r.Time(6));

    private static StoredMessage ReadMessage(DbDataReader r) => new(
        r.GetString(0), new ChatRole(r.GetString(1)), r.GetString(2), r.NullableString(3),
        Enum.TryParse<MessageStatus>(r.GetString(4), out var status) ? status : MessageStatus.Complete,
        r.NullableString(5), r.Time(6), r.Time(7),
        new MessageStats(
            r.IsDBNull(8) ? null : TimeSpan.FromMilliseconds(r.GetInt64(8)),
            r.IsDBNull(9) ? null : r.GetInt32(9),
            r.IsDBNull(10) ? null : TimeSpan.FromMilliseconds(r.GetInt64(10))));
}
