using Microsoft.Data.Sqlite;

namespace ChatWeb.Storage;

/// <summary>
/// The SQLite file that holds everything ChatWeb keeps. <see cref="Initialize"/> creates or
/// migrates it at start-up; a damaged, locked or newer file stops start-up with a message that
/// says what to do, and the file is left exactly as it was.
/// </summary>
public sealed class ChatDatabase
{
    private const int SqliteBusy = 5, SqliteLocked = 6, SqliteCorrupt = 11, SqliteCantOpen = 14, SqliteNotADatabase = 26;

    private readonly string _connectionString;

    public ChatDatabase(string filePath)
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

    /// <summary>An open connection; the caller disposes it (connections are pooled).</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Creates the file on first run and applies missing schema steps; returns the schema version.</summary>
    public int Initialize()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var startup = new SqliteConnectionStringBuilder(_connectionString) { DefaultTimeout = 3, Pooling = false }.ToString();
        try
        {
            using var connection = new SqliteConnection(startup);
            connection.Open();
            var version = Convert.ToInt32(connection.Scalar("PRAGMA user_version"));
            if (version > Migrations.Steps.Length)
                throw new DatabaseStartupException(
                    $"The database {FilePath} has schema version {version}, but this ChatWeb knows only up to " +
                    $"{Migrations.Steps.Length}: it was written by a newer ChatWeb. Run that version, or point " +
                    $"ChatWeb:Storage:DataFolder at another folder. The file was not changed.");
            if (connection.Scalar("PRAGMA quick_check") is not "ok")
                throw Damaged(null);
            connection.Execute("PRAGMA journal_mode = WAL");

            using var transaction = connection.BeginTransaction(deferred: false);
            for (var step = version; step < Migrations.Steps.Length; step++)
                connection.Execute(Migrations.Steps[step], transaction);
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
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteCantOpen)
        {
            throw new DatabaseStartupException(
                $"ChatWeb cannot open or create the database {FilePath}: check that the folder exists and ChatWeb may write to it, " +
                $"or set ChatWeb:Storage:DataFolder. ({ex.Message})", ex);
        }
    }

    private DatabaseStartupException Damaged(Exception? inner) => new(
        $"The database {FilePath} is damaged or is not a ChatWeb database. ChatWeb did not change it. Move it " +
        $"aside (or restore a backup) and start again: ChatWeb then creates a new, empty database." +
        (inner is null ? "" : $" ({inner.Message})"), inner);
}
