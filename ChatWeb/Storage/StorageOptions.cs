using System.ComponentModel.DataAnnotations;

namespace ChatWeb.Storage;

/// <summary>Where ChatWeb keeps its data: the database (SQLite in the data folder, or PostgreSQL) and the data-protection keys.</summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string Section = "ChatWeb:Storage";

    /// <summary>The database: <see cref="StorageProvider.Sqlite"/> (the default) or <see cref="StorageProvider.Postgres"/>.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>For PostgreSQL: an Npgsql connection string (Host=…;Port=…;Database=…;Username=…;Password=…).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The data folder; a relative path is taken from the app's content root. Created on first run.</summary>
    [Required(ErrorMessage = "Set ChatWeb:Storage:DataFolder to a folder ChatWeb may write to.")]
    public string DataFolder { get; set; } = "data";

    /// <summary>The SQLite database's file name inside the data folder.</summary>
    [Required(ErrorMessage = "Set ChatWeb:Storage:DatabaseFile to a file name such as chatweb.db.")]
    public string DatabaseFile { get; set; } = "chatweb.db";

    /// <summary>The data folder as a full path.</summary>
    public static string ResolveDataFolder(string dataFolder, string contentRoot) =>
        Path.GetFullPath(Path.IsPathRooted(dataFolder) ? dataFolder : Path.Combine(contentRoot, dataFolder));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider == StorageProvider.Postgres && string.IsNullOrWhiteSpace(ConnectionString))
            yield return new ValidationResult(
                "ChatWeb:Storage:Provider is Postgres but ChatWeb:Storage:ConnectionString is empty: set it to an Npgsql " +
                "connection string such as Host=db;Database=chatweb;Username=chatweb;Password=…",
                [nameof(ConnectionString)]);
        if (Provider == StorageProvider.Postgres && !string.IsNullOrWhiteSpace(ConnectionString) && !IsConnectionString(ConnectionString))
            yield return new ValidationResult(
                "ChatWeb:Storage:ConnectionString is not a valid Npgsql connection string (key=value pairs separated by ';', " +
                "e.g. Host=db;Database=chatweb;Username=chatweb;Password=…).", [nameof(ConnectionString)]);
    }

    private static bool IsConnectionString(string text)
    {
        try
        {
            _ = new Npgsql.NpgsqlConnectionStringBuilder(text);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
