namespace ChatWeb.Storage;

/// <summary>A sign-in account kept in the database (the initial admin made on first run).</summary>
public sealed record StoredAccount(string Name, string PasswordHash, bool IsAdmin);
