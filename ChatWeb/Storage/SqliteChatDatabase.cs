using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace ChatWeb.Storage;

/// <summary>
/// The SQLite file that holds everything ChatWeb keeps (the default provider). <see cref="Initialize"/> creates or
/// migrates it at start-up (its <c>PRAGMA user_version</c> counts the migration steps applied); a damaged, unknown, locked or newer file, or a data folder ChatWeb may not
/// write to, stops start-up with a message that says what to do, and the files are left exactly as they were.
/// </summary>
public sealed class SqliteChatDatabase : ChatDatabase
{
    private const int SqliteBusy = 5, SqliteLocked = 6, SqliteReadOnly = 8, SqliteCorrupt = 11, SqliteCantOpen = 14, SqliteNotADatabase = 26;

    private readonly string _connectionString;

    public SqliteChatDatabase(string filePath)
    {
        FilePath = Path.GetFullPath(filePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            ForeignKeys = true,
        }.ToString();
    }

    public string FilePath { get; }

    public override StorageProvider Provider => StorageProvider.Sqlite;

    public override string Location => FilePath;

    public override DbConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>
    /// Creates the file on first run and applies missing schema steps; returns the schema version.
    /// An existing file is first opened read-only and checked (schema version, integrity, that it is
    /// ChatWeb's): only a sound file is ever opened for writing, so a damaged one and its write-ahead
    /// log are left byte for byte as they were.
    /// </summary>
    public override int Initialize()
    {
        var folder = Path.GetDirectoryName(FilePath)!;
        try
        {
            if (File.Exists(FilePath))
                CheckReadOnly();
            else if (File.Exists(FilePath + "-wal"))
                throw new DatabaseStartupException(
                    $"The write-ahead log {FilePath}-wal lies in the data folder without its database {FilePath}. ChatWeb did " +
                    $"not change it. Put the database back beside it, or move the log aside, and start again.");
            EnsureWritable(folder);

            var startup = new SqliteConnectionStringBuilder(_connectionString) { DefaultTimeout = 3, Pooling = false }.ToString();
            using var connection = new SqliteConnection(startup);
            connection.Open();
            var version = Convert.ToInt32(connection.Scalar("PRAGMA user_version"));
            connection.Execute("PRAGMA journal_mode = WAL");

            using var transaction = connection.BeginTransaction(deferred: false);
            for (var step = version; step < Migrations.Steps.Length; step++)
                connection.Execute(Migrations.Steps[step].Sqlite, transaction);
            connection.Execute($"PRAGMA user_version = {Migrations.Steps.Length}", transaction);
            transaction.Commit();
            return Migrations.Steps.Length;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteBusy or SqliteLocked)
        {
            throw new DatabaseStartupException(
                $"The database {FilePath} is locked by another program (is a second ChatWeb running on the same " +
                $"data folder?). Stop it, or set ChatWeb:Storage:DataFolder to another folder. The file was not changed.", ex);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase)
        {
            throw Damaged(ex);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteReadOnly)
        {
            throw ReadOnly(folder, ex);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteCantOpen)
        {
            throw new DatabaseStartupException(
                $"ChatWeb cannot open or create the database {FilePath}: check that the folder exists and ChatWeb may write to it, " +
                $"or set ChatWeb:Storage:DataFolder. ({ex.Message})", ex);
        }
    }

    /// <summary>Proves an existing file sound without writing to it or to its write-ahead log.</summary>
    private void CheckReadOnly()
    {
        var readOnly = new SqliteConnectionStringBuilder(_connectionString)
        {
            Mode = SqliteOpenMode.ReadOnly, DefaultTimeout = 3, Pooling = false,
        }.ToString();
        using var connection = new SqliteConnection(readOnly);
        connection.Open();
        var version = Convert.ToInt32(connection.Scalar("PRAGMA user_version"));
        if (version > Migrations.Steps.Length)
            throw new DatabaseStartupException(
                $"The database {FilePath} has schema version {version}, but this ChatWeb knows only up to " +
                $"{Migrations.Steps.Length}: it was written by a newer ChatWeb. Run that version, or point " +
                $"ChatWeb:Storage:DataFolder at another folder. The file was not changed.");
        if (connection.Scalar("PRAGMA quick_check") is not "ok")
            throw Damaged(null);
        // Schema version 0 with tables in it: some other program's database, not an empty one to set up.
        if (version == 0 && Convert.ToInt32(connection.Scalar("SELECT COUNT(*) FROM sqlite_master")) > 0)
            throw Damaged(null);
    }

    /// <summary>Creates the data folder and proves ChatWeb may write into it.</summary>
    private void EnsureWritable(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            using (File.Create(Path.Combine(folder, $".write-test-{Environment.ProcessId}"), 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw ReadOnly(folder, ex);
        }
    }

    private DatabaseStartupException ReadOnly(string folder, Exception inner) => new(
        $"ChatWeb may not write to its data folder {folder} (read-only, or owned by another user). Make that folder and " +
        $"the files in it writable by the user ChatWeb runs as (e.g. chown -R that user), or set ChatWeb:Storage:DataFolder " +
        $"to a writable folder. Nothing was changed. ({inner.Message})", inner);

    private DatabaseStartupException Damaged(Exception? inner) => new(
        $"The database {FilePath} is damaged or is not a ChatWeb database. ChatWeb did not change it. Move it " +
        $"aside (or restore a backup) and start again: ChatWeb then creates a new, empty database." +
        (inner is null ? "" : $" ({inner.Message})"), inner);
}
