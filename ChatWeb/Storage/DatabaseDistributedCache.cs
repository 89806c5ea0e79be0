using Microsoft.Extensions.Caching.Distributed;

namespace ChatWeb.Storage;

/// <summary>
/// The store behind ASP.NET Core Session, in ChatWeb's database (SQLite or PostgreSQL), so that sessions outlive a
/// server restart. (Microsoft ships distributed caches for SQL Server and Redis only.) With
/// <c>ChatWeb:Redis:Configuration</c> set, Redis holds the sessions instead.
/// Expired entries are never returned and are swept on writes.
/// </summary>
internal sealed class DatabaseDistributedCache(ChatDatabase database, TimeProvider time) : IDistributedCache
{
    private long _nextSweep;

    public byte[]? Get(string key)
    {
        var now = time.GetUtcNow();
        using var db = database.Open();
        var entry = db.Query("SELECT value, sliding_ms, absolute_expires_at FROM session_cache WHERE key = $key AND expires_at > $now",
            r => (Value: (byte[])r.GetValue(0), Sliding: r.IsDBNull(1) ? (long?)null : r.GetInt64(1), Absolute: r.IsDBNull(2) ? (long?)null : r.GetInt64(2)),
            ("$key", key), ("$now", now.Ms())).FirstOrDefault();
        if (entry.Value is null)
            return null;
        if (entry.Sliding is { } sliding)
            db.Execute("UPDATE session_cache SET expires_at = $expires WHERE key = $key",
                ("$key", key), ("$expires", Math.Min(now.Ms() + sliding, entry.Absolute ?? long.MaxValue)));
        return entry.Value;
    }

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromResult(Get(key));

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        var now = time.GetUtcNow();
        DateTimeOffset? absolute = options.AbsoluteExpiration
            ?? (options.AbsoluteExpirationRelativeToNow is { } relative ? now + relative : null);
        var sliding = options.SlidingExpiration;
        var expires = sliding is { } s ? now + s : absolute ?? now.AddDays(1);
        if (absolute is { } a && a < expires)
            expires = a;

        using var db = database.Open();
        db.Execute("""
            INSERT INTO session_cache (key, value, expires_at, sliding_ms, absolute_expires_at)
            VALUES ($key, $value, $expires, $sliding, $absolute)
            ON CONFLICT (key) DO UPDATE SET value = $value, expires_at = $expires, sliding_ms = $sliding, absolute_expires_at = $absolute
            """, ("$key", key), ("$value", value), ("$expires", expires.Ms()),
            ("$sliding", sliding is { } sl ? (long)sl.TotalMilliseconds : null), ("$absolute", absolute?.Ms()));

        if (now.Ms() >= Interlocked.Read(ref _nextSweep))
        {
            Interlocked.Exchange(ref _nextSweep, now.AddMinutes(10).Ms());
            db.Execute("DELETE FROM session_cache WHERE expires_at <= $now", ("$now", now.Ms()));
        }
    }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        Set(key, value, options);
        return Task.CompletedTask;
    }

    public void Refresh(string key) => Get(key);

    public Task RefreshAsync(string key, CancellationToken token = default)
    {
        Refresh(key);
        return Task.CompletedTask;
    }

    public void Remove(string key)
    {
        using var db = database.Open();
        db.Execute("DELETE FROM session_cache WHERE key = $key", ("$key", key));
    }

    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        Remove(key);
        return Task.CompletedTask;
    }
}
