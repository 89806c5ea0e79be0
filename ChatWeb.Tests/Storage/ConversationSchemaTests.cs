using ChatWeb.Chat;
using ChatWeb.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ChatWeb.Tests.Storage;

/// <summary>Conversations stored before branches and search (schema version 1), on both databases.</summary>
public sealed class ConversationSchemaTests
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));

    // One conversation of three messages, as ChatWeb stored it before migration 2.
    private const string VersionOneRows = """
        INSERT INTO conversations VALUES ('c1', 'alice', 'Old chat', NULL, '{}', 1, 1);
        INSERT INTO messages (id, conversation_id, seq, role, text, status, created_at, updated_at) VALUES
            ('m1', 'c1', 1, 'user', 'tell me about zeppelins', 'Complete', 1, 1),
            ('m2', 'c1', 2, 'assistant', 'Zeppelins are airships.', 'Complete', 1, 1),
            ('m3', 'c1', 3, 'user', 'and blimps?', 'Complete', 1, 1);
        """;

    private void AssertOneLine_AndSearchable(ChatDatabase database)
    {
        var store = new ConversationStore(database, _time);

        Assert.Equal(["tell me about zeppelins", "Zeppelins are airships.", "and blimps?"], store.Messages("alice", "c1").Select(m => m.Text));
        Assert.Equal("c1", Assert.Single(store.Search("alice", "airship")).Conversation.Id);
        Assert.Equal("c1", Assert.Single(store.Search("alice", "old")).Conversation.Id);
    }

    [Fact]
    public void Sqlite_AConversationStoredBeforeBranches_BecomesOneLine_AndIsSearchable()
    {
        using var folder = new TempDataFolder();
        Directory.CreateDirectory(folder.Path);
        using (var db = new SqliteConnection($"Data Source={folder.DatabaseFile}"))
        {
            db.Open();
            using var command = db.CreateCommand();
            command.CommandText = Migrations.Steps[0].Sqlite + "PRAGMA user_version = 1;" + VersionOneRows;
            command.ExecuteNonQuery();
        }

        AssertOneLine_AndSearchable(folder.Database());
    }

    [Fact]
    public void Postgres_AConversationStoredBeforeBranches_BecomesOneLine_AndIsSearchable()
    {
        using var database = new PostgresTestDatabase();
        using (var db = new NpgsqlConnection(database.ConnectionString))
        {
            db.Open();
            using var command = new NpgsqlCommand(Migrations.Steps[0].Postgres +
                "CREATE TABLE chatweb_schema (version INTEGER NOT NULL); INSERT INTO chatweb_schema VALUES (1);" + VersionOneRows, db);
            command.ExecuteNonQuery();
        }

        AssertOneLine_AndSearchable(database.Database());
    }
}
