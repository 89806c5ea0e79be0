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
        return Find(db, null, owner, id);
    }

    /// <summary>The conversation's selected branch, oldest first, each message with its place among its alternatives.</summary>
    public IReadOnlyList<StoredMessage> Messages(string owner, string conversationId)
    {
        using var db = database.Open();
        return ConversationTree.SelectedPath(AllMessages(db, null, owner, conversationId));
    }

    /// <summary>Every message of the conversation, every branch, oldest first (for export).</summary>
    public IReadOnlyList<StoredMessage> AllMessages(string owner, string conversationId)
    {
        using var db = database.Open();
        return AllMessages(db, null, owner, conversationId);
    }

    /// <summary>
    /// Appends a message after the last one of the selected branch and returns its id; null when the
    /// conversation is not this session's.
    /// </summary>
    public string? AddMessage(string owner, string conversationId, ChatRole role, string text, MessageStatus status,
        string? thoughts = null, string? error = null)
    {
        using var db = database.Open();
        using var transaction = db.BeginTransaction();
        if (Find(db, transaction, owner, conversationId) is null)
            return null;
        var parent = ConversationTree.SelectedPath(AllMessages(db, transaction, owner, conversationId)).LastOrDefault()?.Id;
        var id = Insert(db, transaction, conversationId, parent, role, text, status, thoughts, error);
        Touch(db, transaction, owner, conversationId, time.GetUtcNow().Ms());
        transaction.Commit();
        return id;
    }

    /// <summary>
    /// Adds an alternative to a message (a regenerated answer, an edited prompt): a new message with the
    /// same parent, now the selected one; the earlier ones stay. Returns its id; null when the message is not this session's.
    /// </summary>
    public string? AddAlternative(string owner, string messageId, ChatRole role, string text, MessageStatus status,
        string? thoughts = null, string? error = null)
    {
        using var db = database.Open();
        using var transaction = db.BeginTransaction();
        if (FindMessage(db, transaction, owner, messageId) is not { } sibling)
            return null;
        db.Execute("UPDATE messages SET selected = 0 WHERE conversation_id = $conversation AND parent_id IS NOT DISTINCT FROM $parent",
            transaction, ("$conversation", sibling.ConversationId), ("$parent", sibling.ParentId));
        var id = Insert(db, transaction, sibling.ConversationId, sibling.ParentId, role, text, status, thoughts, error);
        Touch(db, transaction, owner, sibling.ConversationId, time.GetUtcNow().Ms());
        transaction.Commit();
        return id;
    }

    /// <summary>The ids of a message and its alternatives, oldest first; empty when it is not this session's.</summary>
    public IReadOnlyList<string> Alternatives(string owner, string messageId)
    {
        using var db = database.Open();
        if (FindMessage(db, null, owner, messageId) is not { } message)
            return [];
        return db.Query("SELECT id FROM messages WHERE conversation_id = $conversation AND parent_id IS NOT DISTINCT FROM $parent ORDER BY seq",
            r => r.GetString(0), ("$conversation", message.ConversationId), ("$parent", message.ParentId));
    }

    /// <summary>Makes a message the selected one among its alternatives (it stays so after a reload); false when not this session's.</summary>
    public bool SelectAlternative(string owner, string messageId)
    {
        using var db = database.Open();
        using var transaction = db.BeginTransaction();
        if (FindMessage(db, transaction, owner, messageId) is not { } message)
            return false;
        db.Execute("UPDATE messages SET selected = CASE WHEN id = $id THEN 1 ELSE 0 END WHERE conversation_id = $conversation AND parent_id IS NOT DISTINCT FROM $parent",
            transaction, ("$id", messageId), ("$conversation", message.ConversationId), ("$parent", message.ParentId));
        transaction.Commit();
        return true;
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

    /// <summary>
    /// Removes a message and everything that follows it on any branch (a turn that failed); false when not this
    /// session's. Among its siblings the newest then shows, unless another is selected (<see cref="SelectAlternative"/>).
    /// </summary>
    public bool DeleteMessage(string owner, string messageId)
    {
        using var db = database.Open();
        return db.Execute("""
            WITH RECURSIVE doomed (id) AS (
                SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id AND c.owner = $owner WHERE m.id = $id
                UNION ALL
                SELECT m.id FROM messages m JOIN doomed d ON m.parent_id = d.id)
            DELETE FROM messages WHERE id IN (SELECT id FROM doomed)
            """, ("$id", messageId), ("$owner", owner)) > 0;
    }

    public bool SetPinned(string owner, string id, bool pinned)
    {
        using var db = database.Open();
        return db.Execute("UPDATE conversations SET pinned = $pinned WHERE id = $id AND owner = $owner",
            ("$id", id), ("$owner", owner), ("$pinned", pinned ? 1 : 0)) == 1;
    }

    /// <summary>
    /// The owner's conversations whose title, or one of whose messages, contains every word of
    /// <paramref name="text"/> (the last one as a prefix; accents ignored), pinned first, then most recently active; each with a snippet of the
    /// best-matching message (words found between <see cref="ConversationSearchSql.MatchStart"/> and
    /// <see cref="ConversationSearchSql.MatchEnd"/>), or null when only the title matched.
    /// </summary>
    public IReadOnlyList<SearchHit> Search(string owner, string text, int limit = 50)
    {
        if (ConversationSearchSql.MatchQuery(database.Provider, text) is not { } query)
            return [];
        using var db = database.Open();
        return db.Query(ConversationSearchSql.Search(database.Provider), r => new SearchHit(ReadConversation(r), r.NullableString(8)),
            ("$owner", owner), ("$query", query), ("$limit", limit));
    }

    /// <summary>
    /// Stores whole conversations for <paramref name="owner"/> (an import), all or none: each gets new
    /// ids, its messages keep their tree (parents, selected branches), text, status and figures.
    /// Returns the new conversations' ids.
    /// </summary>
    public IReadOnlyList<string> Import(string owner, IReadOnlyList<(StoredConversation Conversation, IReadOnlyList<StoredMessage> Messages)> conversations)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        using var db = database.Open();
        using var transaction = db.BeginTransaction();
        var ids = new List<string>();
        foreach (var (conversation, messages) in conversations)
        {
            var id = Ids.New();
            db.Execute("""
                INSERT INTO conversations (id, owner, title, preset_id, settings, created_at, updated_at, pinned)
                VALUES ($id, $owner, $title, $preset, $settings, $created, $updated, $pinned)
                """, transaction,
                ("$id", id), ("$owner", owner), ("$title", conversation.Title), ("$preset", conversation.PresetId),
                ("$settings", conversation.Settings), ("$created", conversation.CreatedAt.Ms()), ("$updated", conversation.UpdatedAt.Ms()),
                ("$pinned", conversation.Pinned ? 1 : 0));
            var newIds = new Dictionary<string, string>();
            var seq = 0;
            foreach (var m in messages)
            {
                newIds[m.Id] = Ids.New();
                db.Execute("""
                    INSERT INTO messages (id, conversation_id, seq, parent_id, selected, role, text, thoughts, status, error,
                        thinking_ms, output_tokens, generation_ms, created_at, updated_at)
                    VALUES ($id, $conversation, $seq, $parent, $selected, $role, $text, $thoughts, $status, $error,
                        $thinking, $tokens, $generation, $created, $updated)
                    """, transaction,
                    ("$id", newIds[m.Id]), ("$conversation", id), ("$seq", ++seq),
                    ("$parent", m.ParentId is null ? null : newIds[m.ParentId]), ("$selected", m.Selected ? 1 : 0),
                    ("$role", m.Role.Value), ("$text", m.Text), ("$thoughts", m.Thoughts), ("$status", m.Status.ToString()), ("$error", m.Error),
                    ("$thinking", (long?)m.Stats?.Thinking?.TotalMilliseconds), ("$tokens", m.Stats?.OutputTokens),
                    ("$generation", (long?)m.Stats?.Generation?.TotalMilliseconds), ("$created", m.CreatedAt.Ms()), ("$updated", m.UpdatedAt.Ms()));
            }
            ids.Add(id);
        }
        transaction.Commit();
        return ids;
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

    private static void Touch(DbConnection db, DbTransaction transaction, string owner, string id, long now) =>
        db.Execute("UPDATE conversations SET updated_at = $now WHERE id = $id AND owner = $owner", transaction,
            ("$id", id), ("$owner", owner), ("$now", now));

    private string Insert(DbConnection db, DbTransaction transaction, string conversationId, string? parentId,
        ChatRole role, string text, MessageStatus status, string? thoughts, string? error)
    {
        var now = time.GetUtcNow().Ms();
        var id = Ids.New();
        db.Execute("""
            INSERT INTO messages (id, conversation_id, seq, parent_id, selected, role, text, thoughts, status, error, created_at, updated_at)
            VALUES ($id, $conversation, COALESCE((SELECT MAX(seq) FROM messages WHERE conversation_id = $conversation), 0) + 1,
                    $parent, 1, $role, $text, $thoughts, $status, $error, $now, $now)
            """, transaction,
            ("$id", id), ("$conversation", conversationId), ("$parent", parentId), ("$role", role.Value), ("$text", text),
            ("$thoughts", thoughts), ("$status", status.ToString()), ("$error", error), ("$now", now));
        return id;
    }

    private static StoredConversation? Find(DbConnection db, DbTransaction? transaction, string owner, string id) =>
        db.Query($"{SelectConversation} WHERE id = $id AND owner = $owner", transaction, ReadConversation, ("$id", id), ("$owner", owner))
            .SingleOrDefault();

    private static (string ConversationId, string? ParentId)? FindMessage(DbConnection db, DbTransaction? transaction, string owner, string messageId)
    {
        using var command = db.Command("""
            SELECT m.conversation_id, m.parent_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
            WHERE m.id = $id AND c.owner = $owner
            """, transaction, ("$id", messageId), ("$owner", owner));
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), reader.NullableString(1)) : null;
    }

    private static List<StoredMessage> AllMessages(DbConnection db, DbTransaction? transaction, string owner, string conversationId) => db.Query("""
        SELECT m.id, m.role, m.text, m.thoughts, m.status, m.error, m.created_at, m.updated_at,
               m.thinking_ms, m.output_tokens, m.generation_ms, m.parent_id, m.selected
        FROM messages m JOIN conversations c ON c.id = m.conversation_id
        WHERE c.id = $id AND c.owner = $owner ORDER BY m.seq
        """, transaction, ReadMessage, ("$id", conversationId), ("$owner", owner));

    private const string SelectConversation = "SELECT id, owner, title, preset_id, settings, created_at, updated_at, pinned FROM conversations";

    private static StoredConversation ReadConversation(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.NullableString(3), r.GetString(4), r.Time(5), r.Time(6), r.GetInt32(7) != 0);

    private static StoredMessage ReadMessage(DbDataReader r) => new(
        r.GetString(0), new ChatRole(r.GetString(1)), r.GetString(2), r.NullableString(3),
        Enum.TryParse<MessageStatus>(r.GetString(4), out var status) ? status : MessageStatus.Complete,
        r.NullableString(5), r.Time(6), r.Time(7),
        new MessageStats(
            r.IsDBNull(8) ? null : TimeSpan.FromMilliseconds(r.GetInt64(8)),
            r.IsDBNull(9) ? null : r.GetInt32(9),
            r.IsDBNull(10) ? null : TimeSpan.FromMilliseconds(r.GetInt64(10))),
        r.NullableString(11), r.GetInt32(12) != 0);
}
