using ChatWeb.Storage;
using ChatWeb.Tests.ScaleOut;
using Npgsql;

namespace ChatWeb.Tests.Storage;

/// <summary>PostgreSQL start-up: the schema made once, even by instances starting together; databases it does not understand refused, unchanged.</summary>
public sealed class PostgresChatDatabaseTests : IDisposable
{
    private readonly PostgresTestDatabase _database = new();

    public void Dispose() => _database.Dispose();

    private object? Scalar(string sql)
    {
        using var connection = new NpgsqlConnection(_database.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar() is var value && value is DBNull ? null : value;
    }

    [Fact]
    public void TwoInstancesStartingTogether_MigrateOnce_AndKeepWhatIsStored()
    {
        using var a = new PostgresChatDatabase(_database.ConnectionString);
        using var b = new PostgresChatDatabase(_database.ConnectionString);

        var versions = new[] { Task.Run(a.Initialize), Task.Run(b.Initialize) };
        Task.WaitAll(versions);
        var kept = new ConversationStore(a, TimeProvider.System).Create("owner-a", "kept");
        a.Initialize();

        Assert.All(versions, v => Assert.Equal(Migrations.Steps.Length, v.Result));
        Assert.Equal("kept", new ConversationStore(b, TimeProvider.System).Find("owner-a", kept.Id)?.Title);
        Assert.Equal(Migrations.Steps.Length, Convert.ToInt32(Scalar("SELECT version FROM chatweb_schema")));
    }

    [Fact]
    public void Initialize_RefusesAnotherProgramsDatabase_AndLeavesItUntouched()
    {
        Scalar("CREATE TABLE invoices (id INTEGER PRIMARY KEY); INSERT INTO invoices VALUES (7)");

        using var database = new PostgresChatDatabase(_database.ConnectionString);
        var error = Assert.Throws<DatabaseStartupException>(() => database.Initialize());

        Assert.Contains("is not a ChatWeb database", error.Message);
        Assert.Null(Scalar("SELECT to_regclass('chatweb_schema')::text"));
        Assert.Null(Scalar("SELECT to_regclass('conversations')::text"));
        Assert.Equal(7, Scalar("SELECT id FROM invoices"));
    }

    [Fact]
    public void Initialize_RefusesADatabaseFromANewerChatWeb()
    {
        _database.Database();
        Scalar($"UPDATE chatweb_schema SET version = {Migrations.Steps.Length + 1}");

        using var database = new PostgresChatDatabase(_database.ConnectionString);
        var error = Assert.Throws<DatabaseStartupException>(() => database.Initialize());

        Assert.Contains("written by a newer ChatWeb", error.Message);
    }

    [Fact]
    public void Initialize_SaysWhereItCouldNotConnect_WhenNoServerListens()
    {
        var port = ServerTools.FreePort();
        using var database = new PostgresChatDatabase($"Host=127.0.0.1;Port={port};Database=chatweb;Username=chatweb;Timeout=3");

        var error = Assert.Throws<DatabaseStartupException>(() => database.Initialize());

        Assert.Contains($"cannot reach the PostgreSQL database \"chatweb\" on 127.0.0.1:{port}", error.Message);
        Assert.Contains("ChatWeb:Storage:ConnectionString", error.Message);
    }
}
