namespace ChatWeb.Storage;

/// <summary>The database could not be opened at start-up; the message says why and what to do.
/// ChatWeb never deletes or rewrites the file in that case.</summary>
public sealed class DatabaseStartupException(string message, Exception? inner = null) : Exception(message, inner);
