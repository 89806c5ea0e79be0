using ChatWeb.Storage;
using ChatWeb.Tests.ScaleOut;

namespace ChatWeb.Tests.Storage;

/// <summary>
/// A fresh database for a store test, of either provider: the store tests run once on SQLite
/// (<see cref="TempDataFolder"/>) and once on PostgreSQL (<see cref="PostgresTestDatabase"/>) through their
/// Postgres* subclasses.
/// </summary>
public interface ITestDatabase : IDisposable
{
    /// <summary>The initialised database (the same data on every call).</summary>
    ChatDatabase Database();
}

/// <summary>An empty database of its own in the test run's PostgreSQL cluster (<see cref="PostgresServer"/>).</summary>
public sealed class PostgresTestDatabase : ITestDatabase
{
    private readonly Lazy<string> _connectionString = new(() => PostgresServer.Shared.CreateDatabase());
    private readonly List<PostgresChatDatabase> _opened = [];

    public string ConnectionString => _connectionString.Value;

    public ChatDatabase Database()
    {
        var database = new PostgresChatDatabase(ConnectionString);
        _opened.Add(database);
        database.Initialize();
        return database;
    }

    public void Dispose()
    {
        foreach (var database in _opened)
            database.Dispose();
    }
}
