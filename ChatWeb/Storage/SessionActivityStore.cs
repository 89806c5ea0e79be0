namespace ChatWeb.Storage;

/// <summary>When each browser session was last seen, for the admin overview's count of active sessions.</summary>
public sealed class SessionActivityStore(ChatDatabase database, TimeProvider time)
{
    public void Seen(string owner)
    {
        var now = time.GetUtcNow().Ms();
        using var db = database.Open();
        db.Execute("""
            INSERT INTO sessions (owner, created_at, last_seen_at) VALUES ($owner, $now, $now)
            ON CONFLICT (owner) DO UPDATE SET last_seen_at = $now
            """, ("$owner", owner), ("$now", now));
    }

    public int CountSeenSince(DateTimeOffset since)
    {
        using var db = database.Open();
        return Convert.ToInt32(db.Scalar("SELECT COUNT(*) FROM sessions WHERE last_seen_at >= $since", ("$since", since.Ms())));
    }
}
