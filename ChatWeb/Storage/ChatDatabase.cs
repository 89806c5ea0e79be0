using System.Data.Common;

namespace ChatWeb.Storage;

/// <summary>
/// The database that holds everything ChatWeb keeps: a SQLite file (<see cref="SqliteChatDatabase"/>) or a
/// PostgreSQL database (<see cref="PostgresChatDatabase"/>). Both have the same schema, built by the same
/// versioned <see cref="Migrations"/>; the stores write one SQL text for both (named parameters as <c>$name</c>).
/// <see cref="Initialize"/> creates or migrates it at start-up and refuses, with a message that says what
/// to do, a database it does not understand; it then leaves that database exactly as it was.
/// </summary>
public abstract class ChatDatabase
{
    public abstract StorageProvider Provider { get; }

    /// <summary>Where the data lies, for logs and messages: a file path, or PostgreSQL's host and database (no password).</summary>
    public abstract string Location { get; }

    /// <summary>True when several ChatWeb instances may use the database at once (PostgreSQL).</summary>
    public bool IsShared => Provider == StorageProvider.Postgres;

    /// <summary>An open connection; the caller disposes it (connections are pooled).</summary>
    public abstract DbConnection Open();

    /// <summary>Creates the schema on first run and applies missing migration steps; returns the schema version.</summary>
    public abstract int Initialize();
}
