using ChatWeb.Storage;
using Microsoft.Data.Sqlite;

namespace ChatWeb.Tests.Storage;

/// <summary>A fresh data folder under the system's temp folder, removed afterwards.</summary>
public sealed class TempDataFolder : ITestDatabase
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "chatweb-test-" + Guid.NewGuid().ToString("N"));

    public string DatabaseFile => System.IO.Path.Combine(Path, "chatweb.db");

    /// <summary>An initialised database in this folder.</summary>
    public ChatDatabase Database()
    {
        var database = new SqliteChatDatabase(DatabaseFile);
        database.Initialize();
        return database;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
