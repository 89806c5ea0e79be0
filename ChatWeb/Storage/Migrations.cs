namespace ChatWeb.Storage;

/// <summary>
/// The database schema, one step per version. The file's <c>PRAGMA user_version</c> says how many
/// steps it has had; start-up applies the missing ones in a transaction. Never edit a step that
/// has shipped: add a new one.
/// </summary>
internal static class Migrations
{
    public static readonly string[] Steps =
    [
        // 1: conversations, messages, prompt history, presets with versions, accounts, sessions, session cache.
        """
        CREATE TABLE conversations (
            id          TEXT PRIMARY KEY,
            owner       TEXT NOT NULL,
            title       TEXT NOT NULL,
            preset_id   TEXT NULL,
            settings    TEXT NOT NULL DEFAULT '{}',
            created_at  INTEGER NOT NULL,
            updated_at  INTEGER NOT NULL
        );
        CREATE INDEX ix_conversations_owner ON conversations (owner, updated_at DESC);
        CREATE INDEX ix_conversations_created ON conversations (created_at);

        CREATE TABLE messages (
            id               TEXT PRIMARY KEY,
            conversation_id  TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            seq              INTEGER NOT NULL,
            role             TEXT NOT NULL,
            text             TEXT NOT NULL,
            thoughts         TEXT NULL,
            status           TEXT NOT NULL,
            error            TEXT NULL,
            thinking_ms      INTEGER NULL,
            output_tokens    INTEGER NULL,
            generation_ms    INTEGER NULL,
            created_at       INTEGER NOT NULL,
            updated_at       INTEGER NOT NULL
        );
        CREATE INDEX ix_messages_conversation ON messages (conversation_id, seq);

        CREATE TABLE prompt_history (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            owner       TEXT NOT NULL,
            text        TEXT NOT NULL,
            created_at  INTEGER NOT NULL
        );
        CREATE INDEX ix_prompt_history_owner ON prompt_history (owner, id);

        CREATE TABLE presets (
            id          TEXT PRIMARY KEY,
            name        TEXT NOT NULL,
            text        TEXT NOT NULL,
            extra       TEXT NOT NULL,
            position    INTEGER NOT NULL,
            is_default  INTEGER NOT NULL DEFAULT 0,
            version     INTEGER NOT NULL,
            updated_at  INTEGER NOT NULL,
            updated_by  TEXT NOT NULL
        );
        CREATE UNIQUE INDEX ux_presets_name ON presets (name COLLATE NOCASE);

        CREATE TABLE preset_versions (
            preset_id   TEXT NOT NULL REFERENCES presets (id) ON DELETE CASCADE,
            version     INTEGER NOT NULL,
            name        TEXT NOT NULL,
            text        TEXT NOT NULL,
            extra       TEXT NOT NULL,
            edited_by   TEXT NOT NULL,
            edited_at   INTEGER NOT NULL,
            note        TEXT NULL,
            PRIMARY KEY (preset_id, version)
        );

        CREATE TABLE accounts (
            name           TEXT PRIMARY KEY COLLATE NOCASE,
            password_hash  TEXT NOT NULL,
            is_admin       INTEGER NOT NULL,
            created_at     INTEGER NOT NULL
        );

        CREATE TABLE sessions (
            owner         TEXT PRIMARY KEY,
            created_at    INTEGER NOT NULL,
            last_seen_at  INTEGER NOT NULL
        );

        CREATE TABLE session_cache (
            key                  TEXT PRIMARY KEY,
            value                BLOB NOT NULL,
            expires_at           INTEGER NOT NULL,
            sliding_ms           INTEGER NULL,
            absolute_expires_at  INTEGER NULL
        );
        """,

        // 2: branches (a message's parent; the selected one among its siblings) and pinned conversations.
        // Existing messages become one line: each one's parent is the message before it.
        """
        ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE messages ADD COLUMN parent_id TEXT NULL;
        ALTER TABLE messages ADD COLUMN selected INTEGER NOT NULL DEFAULT 1;
        UPDATE messages SET parent_id = (
            SELECT p.id FROM messages p
            WHERE p.conversation_id = messages.conversation_id AND p.seq < messages.seq
            ORDER BY p.seq DESC LIMIT 1);
        CREATE INDEX ix_messages_parent ON messages (conversation_id, parent_id);
        """,

        // 3: full-text search over titles and messages (SQLite FTS5; see ConversationSearchSql).
        ConversationSearchSql.Schema,
    ];
}
