namespace ChatWeb.Storage;

/// <summary>Accounts kept in the database; accounts from configuration are not stored here.</summary>
public sealed class AccountStore(ChatDatabase database, TimeProvider time)
{
    public StoredAccount? Find(string name)
    {
        using var db = database.Open();
        return db.Query("SELECT name, password_hash, is_admin FROM accounts WHERE lower(name) = lower($name)",
            r => new StoredAccount(r.GetString(0), r.GetString(1), r.GetInt64(2) == 1), ("$name", name)).SingleOrDefault();
    }

    public int Count()
    {
        using var db = database.Open();
        return Convert.ToInt32(db.Scalar("SELECT COUNT(*) FROM accounts"));
    }

    public void Add(string name, string passwordHash, bool isAdmin)
    {
        using var db = database.Open();
        db.Execute("INSERT INTO accounts (name, password_hash, is_admin, created_at) VALUES ($name, $hash, $admin, $now)",
            ("$name", name), ("$hash", passwordHash), ("$admin", isAdmin ? 1 : 0), ("$now", time.GetUtcNow().Ms()));
    }
}
