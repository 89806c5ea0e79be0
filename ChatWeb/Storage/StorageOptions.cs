using System.ComponentModel.DataAnnotations;

namespace ChatWeb.Storage;

/// <summary>Where ChatWeb keeps its data: the SQLite database and the data-protection keys.</summary>
public sealed class StorageOptions
{
    public const string Section = "ChatWeb:Storage";

    /// <summary>The data folder; a relative path is taken from the app's content root. Created on first run.</summary>
    [Required(ErrorMessage = "Set ChatWeb:Storage:DataFolder to a folder ChatWeb may write to.")]
    public string DataFolder { get; set; } = "data";

    /// <summary>The SQLite database's file name inside the data folder.</summary>
    [Required(ErrorMessage = "Set ChatWeb:Storage:DatabaseFile to a file name such as chatweb.db.")]
    public string DatabaseFile { get; set; } = "chatweb.db";

    /// <summary>The data folder as a full path.</summary>
    public static string ResolveDataFolder(string dataFolder, string contentRoot) =>
        Path.GetFullPath(Path.IsPathRooted(dataFolder) ? dataFolder : Path.Combine(contentRoot, dataFolder));
}
