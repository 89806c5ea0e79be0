using ChatWeb.Storage;
using Microsoft.Extensions.Caching.Distributed;

namespace ChatWeb.Tests.Storage;

public class DatabaseDistributedCacheTests : IDisposable
{
    private readonly ITestDatabase _folder;

    public DatabaseDistributedCacheTests() : this(new TempDataFolder()) { }

    protected DatabaseDistributedCacheTests(ITestDatabase database) => _folder = database;
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Entries_OutliveTheCacheObject_UntilTheirSlidingTimeoutPasses()
    {
        var database = _folder.Database();
        new DatabaseDistributedCache(database, _time).Set("s1", [1, 2, 3], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(20) });
        var restarted = new DatabaseDistributedCache(database, _time);

        _time.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal([1, 2, 3], restarted.Get("s1"));
        _time.Advance(TimeSpan.FromMinutes(15)); // 15 minutes after the last read: still alive
        Assert.Equal([1, 2, 3], restarted.Get("s1"));
        _time.Advance(TimeSpan.FromMinutes(21));
        Assert.Null(restarted.Get("s1"));
    }

    [Fact]
    public void Remove_ForgetsTheEntry()
    {
        var cache = new DatabaseDistributedCache(_folder.Database(), _time);
        cache.Set("s1", [7], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(20) });

        cache.Remove("s1");

        Assert.Null(cache.Get("s1"));
    }
}

/// <summary>The same tests on PostgreSQL.</summary>
public sealed class PostgresDatabaseDistributedCacheTests() : DatabaseDistributedCacheTests(new PostgresTestDatabase());
