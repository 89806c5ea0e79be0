namespace ChatWeb.Storage;

/// <summary>
/// The database schema, one step per version, each written for SQLite and for PostgreSQL: the same tables,
/// columns and meaning (PostgreSQL's BIGINT where SQLite's INTEGER holds milliseconds, BYTEA for BLOB,
/// an index on lower(name) for COLLATE NOCASE). The database records how many steps it has had (SQLite:
/// <c>PRAGMA user_version</c>; PostgreSQL: the table <c>chatweb_schema</c>); start-up applies the missing ones in
/// a transaction. Never edit a step that has shipped: add a new one. A feature only one database has (SQLite's
/// FTS5 full-text index) goes in that database's form of the step, with its counterpart in the other form.
/// </summary>
internal static class Migrations
{
    public static readonly MigrationStep[] Steps =
    [
        // 1: conversations, messages, prompt history, presets with versions, accounts, sessions, session cache.
        new(Sqlite:
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
            Postgres:
            """
            CREATE TABLE conversations (
                id          TEXT PRIMARY KEY,
                owner       TEXT NOT NULL,
                title       TEXT NOT NULL,
                preset_id   TEXT NULL,
                settings    TEXT NOT NULL DEFAULT '{}',
                created_at  BIGINT NOT NULL,
                updated_at  BIGINT NOT NULL
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
                thinking_ms      BIGINT NULL,
                output_tokens    INTEGER NULL,
                generation_ms    BIGINT NULL,
                created_at       BIGINT NOT NULL,
                updated_at       BIGINT NOT NULL
            );
            CREATE INDEX ix_messages_conversation ON messages (conversation_id, seq);

            CREATE TABLE prompt_history (
                id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                owner       TEXT NOT NULL,
                text        TEXT NOT NULL,
                created_at  BIGINT NOT NULL
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
                updated_at  BIGINT NOT NULL,
                updated_by  TEXT NOT NULL
            );
            CREATE UNIQUE INDEX ux_presets_name ON presets (lower(name));

            CREATE TABLE preset_versions (
                preset_id   TEXT NOT NULL REFERENCES presets (id) ON DELETE CASCADE,
                version     INTEGER NOT NULL,
                name        TEXT NOT NULL,
                text        TEXT NOT NULL,
                extra       TEXT NOT NULL,
                edited_by   TEXT NOT NULL,
                edited_at   BIGINT NOT NULL,
                note        TEXT NULL,
                PRIMARY KEY (preset_id, version)
            );

            CREATE TABLE accounts (
                name           TEXT PRIMARY KEY,
                password_hash  TEXT NOT NULL,
                is_admin       INTEGER NOT NULL,
                created_at     BIGINT NOT NULL
            );
            CREATE UNIQUE INDEX ux_accounts_name ON accounts (lower(name));

            CREATE TABLE sessions (
                owner         TEXT PRIMARY KEY,
                created_at    BIGINT NOT NULL,
                last_seen_at  BIGINT NOT NULL
            );

            CREATE TABLE session_cache (
                key                  TEXT PRIMARY KEY,
                value                BYTEA NOT NULL,
                expires_at           BIGINT NOT NULL,
                sliding_ms           BIGINT NULL,
                absolute_expires_at  BIGINT NULL
            );
            """),

        // 2: branches (a message's parent; the selected one among its siblings) and pinned conversations.
        // Existing messages become one line: each one's parent is the message before it. The same SQL on both.
        MigrationStep.Portable(
            """
            ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE messages ADD COLUMN parent_id TEXT NULL;
            ALTER TABLE messages ADD COLUMN selected INTEGER NOT NULL DEFAULT 1;
            UPDATE messages SET parent_id = (
                SELECT p.id FROM messages p
                WHERE p.conversation_id = messages.conversation_id AND p.seq < messages.seq
                ORDER BY p.seq DESC LIMIT 1);
            CREATE INDEX ix_messages_parent ON messages (conversation_id, parent_id);
            """),

        // 3: full-text search over titles and messages (SQLite FTS5; PostgreSQL tsvector; see ConversationSearchSql).
        new(Sqlite: ConversationSearchSql.SqliteSchema, Postgres: ConversationSearchSql.PostgresSchema),

        // 4: API conversations (rows of their own; see ApiConversationsMigration).
        ApiConversationsMigration.Step,
    ];
}

/// <summary>One schema step, as SQLite and as PostgreSQL write it.</summary>
internal sealed record MigrationStep(string Sqlite, string Postgres)
{
    /// <summary>A step whose SQL both databases read alike.</summary>
    public static MigrationStep Portable(string sql) => new(sql, sql);
}
