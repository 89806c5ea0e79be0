using ChatWeb.Storage;
using Microsoft.Data.Sqlite;

namespace ChatWeb.Tests.Storage;

public sealed class ChatDatabaseTests : IDisposable
{
    private readonly TempDataFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Initialize_CreatesTheFolderAndFile_OnFirstRun_AndIsRepeatable()
    {
        var database = new SqliteChatDatabase(_folder.DatabaseFile);

        Assert.Equal(Migrations.Steps.Length, database.Initialize());
        Assert.True(File.Exists(_folder.DatabaseFile));
        Assert.Equal(Migrations.Steps.Length, database.Initialize());
    }

    [Fact]
    public void Initialize_KeepsEverythingStored_WhenRunAgain()
    {
        var database = _folder.Database();
        var store = new ConversationStore(database, TimeProvider.System);
        var kept = store.Create("owner-a", "kept");

        new SqliteChatDatabase(_folder.DatabaseFile).Initialize();

        Assert.Equal("kept", store.Find("owner-a", kept.Id)?.Title);
    }

    [Fact]
    public void Initialize_RefusesADamagedFile_WithAClearMessage_AndLeavesItUntouched()
    {
        Directory.CreateDirectory(_folder.Path);
        var garbage = Enumerable.Range(0, 8192).Select(i => (byte)(i * 7 % 251)).ToArray();
        File.WriteAllBytes(_folder.DatabaseFile, garbage);

        var error = Assert.Throws<DatabaseStartupException>(() => new SqliteChatDatabase(_folder.DatabaseFile).Initialize());

        Assert.Contains("damaged or is not a ChatWeb database", error.Message);
        Assert.Contains(_folder.DatabaseFile, error.Message);
        Assert.Equal(garbage, File.ReadAllBytes(_folder.DatabaseFile));
    }

    [Fact]
    public void Initialize_RefusesAnotherProgramsDatabase_AndLeavesItUntouched()
    {
        Directory.CreateDirectory(_folder.Path);
        using (var other = new SqliteConnection($"Data Source={_folder.DatabaseFile};Pooling=False"))
        {
            other.Open();
            using var command = other.CreateCommand();
            command.CommandText = "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5);";
            command.ExecuteNonQuery();
        }
        var before = File.ReadAllBytes(_folder.DatabaseFile);

        var error = Assert.Throws<DatabaseStartupException>(() => new SqliteChatDatabase(_folder.DatabaseFile).Initialize());

        Assert.Contains("is not a ChatWeb database", error.Message);
        Assert.Equal(before, File.ReadAllBytes(_folder.DatabaseFile));
        Assert.False(File.Exists(_folder.DatabaseFile + "-wal"));
    }

    [Fact]
    public void Initialize_RefusesALockedFile_WithAClearMessage()
    {
        _folder.Database();
        using var other = new SqliteConnection($"Data Source={_folder.DatabaseFile};Pooling=False");
        other.Open();
        using (var command = other.CreateCommand())
        {
            command.CommandText = "PRAGMA journal_mode = DELETE; BEGIN EXCLUSIVE; INSERT INTO sessions VALUES ('x', 1, 1);";
            command.ExecuteNonQuery();
        }

        var error = Assert.Throws<DatabaseStartupException>(() => new SqliteChatDatabase(_folder.DatabaseFile).Initialize());

        Assert.Contains("locked by another program", error.Message);
    }

    [Fact]
    public void Initialize_RefusesAFileFromANewerChatWeb()
    {
        _folder.Database();
        using (var db = new SqliteConnection($"Data Source={_folder.DatabaseFile};Pooling=False"))
        {
            db.Open();
            using var command = db.CreateCommand();
            command.CommandText = $"PRAGMA user_version = {Migrations.Steps.Length + 1}";
            command.ExecuteNonQuery();
        }

        var error = Assert.Throws<DatabaseStartupException>(() => new SqliteChatDatabase(_folder.DatabaseFile).Initialize());

        Assert.Contains("written by a newer ChatWeb", error.Message);
    }
}
