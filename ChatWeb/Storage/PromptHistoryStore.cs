namespace ChatWeb.Storage;

/// <summary>The prompts a session has sent, for the composer's Up arrow.</summary>
public sealed class PromptHistoryStore(ChatDatabase database, TimeProvider time)
{
    /// <summary>How many prompts a session keeps; older ones are forgotten.</summary>
    public const int Limit = 200;

    public void Add(string owner, string prompt)
    {
        if (string.IsNullOrWhiteSpace(prompt))
            return;
        using var db = database.Open();
        using var transaction = db.BeginTransaction();
        var last = db.Scalar("SELECT text FROM prompt_history WHERE owner = $owner ORDER BY id DESC LIMIT 1", transaction, ("$owner", owner));
        if (!Equals(last, prompt))
            db.Execute("INSERT INTO prompt_history (owner, text, created_at) VALUES ($owner, $text, $now)", transaction,
                ("$owner", owner), ("$text", prompt), ("$now", time.GetUtcNow().Ms()));
        db.Execute("""
            DELETE FROM prompt_history WHERE owner = $owner AND id NOT IN
                (SELECT id FROM prompt_history WHERE owner = $owner ORDER BY id DESC LIMIT $limit)
            """, transaction, ("$owner", owner), ("$limit", Limit));
        transaction.Commit();
    }

    /// <summary>The session's prompts, oldest first (the Up arrow walks backwards from the end).</summary>
    public IReadOnlyList<string> List(string owner)
    {
        using var db = database.Open();
        return db.Query("SELECT text FROM prompt_history WHERE owner = $owner ORDER BY id", r => r.GetString(0), ("$owner", owner));
    }
}
