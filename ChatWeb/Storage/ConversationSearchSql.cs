using System.Text;

namespace ChatWeb.Storage;

/// <summary>
/// Full-text search over titles and message text: the only SQLite-specific SQL of the conversation
/// store (FTS5). A PostgreSQL provider puts its own variant (tsvector / GIN) beside this file.
/// Two FTS5 tables mirror <c>messages.text</c> and <c>conversations.title</c> by rowid; triggers keep
/// them in step on insert, update and delete (a deleted conversation's messages go with it). Searches
/// join back on the row and its owner, so a hit is only ever one of the owner's conversations.
/// (ChatWeb never runs VACUUM, which could renumber those rowids.)
/// </summary>
internal static class ConversationSearchSql
{
    /// <summary>Schema step: the search tables, filled from what is stored, and their triggers.</summary>
    public const string Schema = """
        CREATE VIRTUAL TABLE message_search USING fts5 (body, tokenize = 'unicode61 remove_diacritics 2');
        CREATE VIRTUAL TABLE title_search USING fts5 (body, tokenize = 'unicode61 remove_diacritics 2');
        INSERT INTO message_search (rowid, body) SELECT rowid, text FROM messages;
        INSERT INTO title_search (rowid, body) SELECT rowid, title FROM conversations;

        CREATE TRIGGER message_search_insert AFTER INSERT ON messages BEGIN
            INSERT INTO message_search (rowid, body) VALUES (new.rowid, new.text);
        END;
        CREATE TRIGGER message_search_update AFTER UPDATE OF text ON messages BEGIN
            UPDATE message_search SET body = new.text WHERE rowid = old.rowid;
        END;
        CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
            DELETE FROM message_search WHERE rowid = old.rowid;
        END;
        CREATE TRIGGER title_search_insert AFTER INSERT ON conversations BEGIN
            INSERT INTO title_search (rowid, body) VALUES (new.rowid, new.title);
        END;
        CREATE TRIGGER title_search_update AFTER UPDATE OF title ON conversations BEGIN
            UPDATE title_search SET body = new.title WHERE rowid = old.rowid;
        END;
        CREATE TRIGGER title_search_delete AFTER DELETE ON conversations BEGIN
            DELETE FROM title_search WHERE rowid = old.rowid;
        END;
        """;

    /// <summary>Marks around a matched word in a snippet (control characters no message text is shown with).</summary>
    public const char MatchStart = '\u0002', MatchEnd = '\u0003';

    /// <summary>
    /// The owner's conversations whose title or any message matches <c>$query</c>, pinned first, then
    /// most recently active; with the best-matching message's snippet (null when only the title matched).
    /// </summary>
    public const string Search = """
        WITH matches AS (
            SELECT m.conversation_id AS id, snippet(message_search, 0, char(2), char(3), '…', 12) AS snippet, bm25(message_search) AS rank
            FROM message_search
            JOIN messages m ON m.rowid = message_search.rowid
            JOIN conversations o ON o.id = m.conversation_id AND o.owner = $owner
            WHERE message_search MATCH $query
            UNION ALL
            SELECT t.id, NULL, 0
            FROM title_search
            JOIN conversations t ON t.rowid = title_search.rowid AND t.owner = $owner
            WHERE title_search MATCH $query
        )
        SELECT c.id, c.owner, c.title, c.preset_id, c.settings, c.created_at, c.updated_at, c.pinned,
               (SELECT x.snippet FROM matches x WHERE x.id = c.id AND x.snippet IS NOT NULL ORDER BY x.rank LIMIT 1)
        FROM conversations c
        WHERE c.owner = $owner AND c.id IN (SELECT id FROM matches)
        ORDER BY c.pinned DESC, c.updated_at DESC
        LIMIT $limit
        """;

    /// <summary>
    /// What a person typed as an FTS5 query: each word quoted (so no character is query syntax), all
    /// words required, the last one as a prefix (results while typing). Null when nothing searchable.
    /// </summary>
    public static string? MatchQuery(string text)
    {
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w.Any(char.IsLetterOrDigit))
            .Take(12)
            .ToList();
        if (words.Count == 0)
            return null;
        var query = new StringBuilder();
        foreach (var word in words)
            query.Append('"').Append(word.Replace("\"", "\"\"")).Append("\" ");
        query.Length--;
        return query.Append('*').ToString();
    }
}
