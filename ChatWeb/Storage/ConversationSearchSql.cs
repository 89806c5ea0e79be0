using System.Text;

namespace ChatWeb.Storage;

/// <summary>
/// Full-text search over titles and message text, in each database's own form; the same rule on both:
/// every word typed must occur in one place (the title, or one message), the last word as a prefix,
/// letter case and accents ignored (Zürich = zurich), only the owner's conversations, pinned first, then
/// the most recently active; each hit with a snippet of its best-matching message.
/// <list type="bullet">
/// <item>SQLite: FTS5 tables (<c>unicode61 remove_diacritics 2</c>) keep a copy of every message's text and
/// every title, kept in step by triggers. Their rows are keyed through <c>*_search_keys</c> tables (an
/// INTEGER PRIMARY KEY per message or conversation id), never by the rowid of <c>messages</c> or
/// <c>conversations</c>, which VACUUM may renumber.</item>
/// <item>PostgreSQL: GIN indexes on <c>to_tsvector</c> under the text search configuration <c>chatweb_search</c>
/// (PostgreSQL's <c>simple</c> with the <c>unaccent</c> extension in front, a trusted extension from the
/// contrib modules); the snippet comes from <c>ts_headline</c>.</item>
/// </list>
/// </summary>
internal static class ConversationSearchSql
{
    /// <summary>Schema step (SQLite): the search tables, filled from what is stored, and their triggers.</summary>
    public const string SqliteSchema = """
        CREATE TABLE message_search_keys (key INTEGER PRIMARY KEY, message_id TEXT NOT NULL UNIQUE);
        CREATE TABLE title_search_keys (key INTEGER PRIMARY KEY, conversation_id TEXT NOT NULL UNIQUE);
        CREATE VIRTUAL TABLE message_search USING fts5 (body, tokenize = 'unicode61 remove_diacritics 2');
        CREATE VIRTUAL TABLE title_search USING fts5 (body, tokenize = 'unicode61 remove_diacritics 2');
        INSERT INTO message_search_keys (message_id) SELECT id FROM messages;
        INSERT INTO message_search (rowid, body) SELECT k.key, m.text FROM message_search_keys k JOIN messages m ON m.id = k.message_id;
        INSERT INTO title_search_keys (conversation_id) SELECT id FROM conversations;
        INSERT INTO title_search (rowid, body) SELECT k.key, c.title FROM title_search_keys k JOIN conversations c ON c.id = k.conversation_id;

        CREATE TRIGGER message_search_insert AFTER INSERT ON messages BEGIN
            INSERT INTO message_search_keys (message_id) VALUES (new.id);
            INSERT INTO message_search (rowid, body) VALUES ((SELECT key FROM message_search_keys WHERE message_id = new.id), new.text);
        END;
        CREATE TRIGGER message_search_update AFTER UPDATE OF text ON messages BEGIN
            UPDATE message_search SET body = new.text WHERE rowid = (SELECT key FROM message_search_keys WHERE message_id = old.id);
        END;
        CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
            DELETE FROM message_search WHERE rowid = (SELECT key FROM message_search_keys WHERE message_id = old.id);
            DELETE FROM message_search_keys WHERE message_id = old.id;
        END;
        CREATE TRIGGER title_search_insert AFTER INSERT ON conversations BEGIN
            INSERT INTO title_search_keys (conversation_id) VALUES (new.id);
            INSERT INTO title_search (rowid, body) VALUES ((SELECT key FROM title_search_keys WHERE conversation_id = new.id), new.title);
        END;
        CREATE TRIGGER title_search_update AFTER UPDATE OF title ON conversations BEGIN
            UPDATE title_search SET body = new.title WHERE rowid = (SELECT key FROM title_search_keys WHERE conversation_id = old.id);
        END;
        CREATE TRIGGER title_search_delete AFTER DELETE ON conversations BEGIN
            DELETE FROM title_search WHERE rowid = (SELECT key FROM title_search_keys WHERE conversation_id = old.id);
            DELETE FROM title_search_keys WHERE conversation_id = old.id;
        END;
        """;

    /// <summary>Schema step (PostgreSQL): the accent-blind configuration and the indexes that searches use.</summary>
    public const string PostgresSchema = """
        CREATE EXTENSION IF NOT EXISTS unaccent;
        CREATE TEXT SEARCH CONFIGURATION chatweb_search (COPY = pg_catalog.simple);
        ALTER TEXT SEARCH CONFIGURATION chatweb_search ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
        CREATE INDEX ix_messages_search ON messages USING GIN (to_tsvector('chatweb_search', text));
        CREATE INDEX ix_conversations_search ON conversations USING GIN (to_tsvector('chatweb_search', title));
        """;

    /// <summary>Marks around a matched word in a snippet (control characters no message text is shown with).</summary>
    public const char MatchStart = '\u0002', MatchEnd = '\u0003';

    /// <summary>The search for <paramref name="provider"/>: parameters <c>$owner</c>, <c>$query</c> (<see cref="MatchQuery"/>), <c>$limit</c>.</summary>
    public static string Search(StorageProvider provider) => provider == StorageProvider.Postgres ? PostgresSearch : SqliteSearch;

    private const string SqliteSearch = """
        WITH matches AS (
            SELECT m.conversation_id AS id, snippet(message_search, 0, char(2), char(3), '…', 12) AS snippet, bm25(message_search) AS rank
            FROM message_search
            JOIN message_search_keys k ON k.key = message_search.rowid
            JOIN messages m ON m.id = k.message_id
            JOIN conversations o ON o.id = m.conversation_id AND o.owner = $owner
            WHERE message_search MATCH $query
            UNION ALL
            SELECT t.id, NULL, 0
            FROM title_search
            JOIN title_search_keys k ON k.key = title_search.rowid
            JOIN conversations t ON t.id = k.conversation_id AND t.owner = $owner
            WHERE title_search MATCH $query
        )
        SELECT c.id, c.owner, c.title, c.preset_id, c.settings, c.created_at, c.updated_at, c.pinned,
               (SELECT x.snippet FROM matches x WHERE x.id = c.id AND x.snippet IS NOT NULL ORDER BY x.rank LIMIT 1)
        FROM conversations c
        WHERE c.owner = $owner AND c.id IN (SELECT id FROM matches)
        ORDER BY c.pinned DESC, c.updated_at DESC
        LIMIT $limit
        """;

    private const string PostgresSearch = """
        WITH q AS (SELECT to_tsquery('chatweb_search', $query) AS query),
        matches AS (
            SELECT m.conversation_id AS id,
                   ts_headline('chatweb_search', m.text, q.query,
                       'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=12, MinWords=4') AS snippet,
                   -ts_rank(to_tsvector('chatweb_search', m.text), q.query) AS rank
            FROM q, messages m
            JOIN conversations o ON o.id = m.conversation_id AND o.owner = $owner
            WHERE to_tsvector('chatweb_search', m.text) @@ q.query
            UNION ALL
            SELECT t.id, NULL, 0
            FROM q, conversations t
            WHERE t.owner = $owner AND to_tsvector('chatweb_search', t.title) @@ q.query
        )
        SELECT c.id, c.owner, c.title, c.preset_id, c.settings, c.created_at, c.updated_at, c.pinned,
               (SELECT x.snippet FROM matches x WHERE x.id = c.id AND x.snippet IS NOT NULL ORDER BY x.rank LIMIT 1)
        FROM conversations c
        WHERE c.owner = $owner AND c.id IN (SELECT id FROM matches)
        ORDER BY c.pinned DESC, c.updated_at DESC
        LIMIT $limit
        """;

    /// <summary>
    /// What a person typed as the provider's query: each word quoted (so no character is query syntax), all
    /// words required, the last one as a prefix (results while typing). Null when nothing searchable.
    /// </summary>
    public static string? MatchQuery(StorageProvider provider, string text)
    {
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w.Any(char.IsLetterOrDigit))
            .Take(12)
            .ToList();
        if (words.Count == 0)
            return null;
        var query = new StringBuilder();
        if (provider == StorageProvider.Postgres)
        {
            // tsquery: 'word' & 'word' & 'prefix':*   (inside quotes, ' and \ are doubled)
            foreach (var word in words)
                query.Append('\'').Append(word.Replace("\\", "\\\\").Replace("'", "''")).Append("' & ");
            query.Length -= 3;
            return query.Append(":*").ToString();
        }
        // FTS5: "word" "word" "prefix"*   (inside quotes, " is doubled)
        foreach (var word in words)
            query.Append('"').Append(word.Replace("\"", "\"\"")).Append("\" ");
        query.Length--;
        return query.Append('*').ToString();
    }
}
