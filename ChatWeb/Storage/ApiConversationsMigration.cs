namespace ChatWeb.Storage;

/// <summary>
/// The schema step that keeps the conversations of <c>/api/chat</c> and <c>/ws/chat</c> in the database (they lived
/// in one process's memory before), so any instance can continue one. A row holds the whole conversation: its
/// system prompts and history as JSON (<c>[{"role","text"}]</c>), their characters (for the limits), how many old
/// messages were forgotten, the claim of the reply streaming now (<c>busy_until</c>, a lease in Unix ms, so a dead
/// instance's claim runs out) and a use counter (<c>last_used</c>; the least recently used are forgotten first).
/// </summary>
internal static class ApiConversationsMigration
{
    public static readonly MigrationStep Step = new(Sqlite:
        """
        CREATE TABLE api_conversations (
            id              TEXT PRIMARY KEY,
            owner           TEXT NOT NULL,
            system_prompts  TEXT NOT NULL DEFAULT '[]',
            history         TEXT NOT NULL DEFAULT '[]',
            characters      INTEGER NOT NULL DEFAULT 0,
            forgotten       INTEGER NOT NULL DEFAULT 0,
            busy_until      INTEGER NULL,
            last_used       INTEGER NOT NULL,
            created_at      INTEGER NOT NULL
        );
        CREATE INDEX ix_api_conversations_owner ON api_conversations (owner, last_used);
        CREATE INDEX ix_api_conversations_last_used ON api_conversations (last_used);
        """,
        Postgres:
        """
        CREATE TABLE api_conversations (
            id              TEXT PRIMARY KEY,
            owner           TEXT NOT NULL,
            system_prompts  TEXT NOT NULL DEFAULT '[]',
            history         TEXT NOT NULL DEFAULT '[]',
            characters      BIGINT NOT NULL DEFAULT 0,
            forgotten       INTEGER NOT NULL DEFAULT 0,
            busy_until      BIGINT NULL,
            last_used       BIGINT NOT NULL,
            created_at      BIGINT NOT NULL
        );
        CREATE INDEX ix_api_conversations_owner ON api_conversations (owner, last_used);
        CREATE INDEX ix_api_conversations_last_used ON api_conversations (last_used);
        """);
}
