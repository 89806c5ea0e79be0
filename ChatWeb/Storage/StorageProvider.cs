namespace ChatWeb.Storage;

/// <summary>The database ChatWeb keeps its data in (<c>ChatWeb:Storage:Provider</c>).</summary>
public enum StorageProvider
{
    /// <summary>One file in the data folder: embedded, nothing to set up, one ChatWeb instance.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database (<c>ChatWeb:Storage:ConnectionString</c>) that several instances share.</summary>
    Postgres,
}
