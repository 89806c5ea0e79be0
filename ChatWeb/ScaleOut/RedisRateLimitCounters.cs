using StackExchange.Redis;

namespace ChatWeb.ScaleOut;

/// <summary>
/// Fixed-window request counters in Redis: one key per partition and window, incremented atomically and expiring
/// with its window. When Redis cannot be reached the request is let through (and logged): a limiter must not take
/// the site down with it.
/// </summary>
internal sealed partial class RedisRateLimitCounters(IConnectionMultiplexer redis, RedisOptions options, TimeProvider time,
    ILogger<RedisRateLimitCounters> logger)
{
    // INCRBY, and on the window's first request set its expiry; returns the count so far.
    private const string Increment = """
        local count = redis.call('INCRBY', KEYS[1], ARGV[1])
        if count == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return count
        """;

    public TimeProvider Time => time;

    /// <summary>Adds <paramref name="permits"/> to the current window's count; null when Redis is unreachable.</summary>
    public async ValueTask<long?> AddAsync(string partition, int permits, TimeSpan window, long windowIndex)
    {
        try
        {
            var key = $"{options.KeyPrefix}rate:{partition}:{windowIndex}";
            var result = await redis.GetDatabase().ScriptEvaluateAsync(Increment, [key], [permits, (long)(window.TotalMilliseconds * 2)]);
            return (long)result;
        }
        catch (RedisException ex)
        {
            LogUnreachable(ex.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate-limit counters in Redis unreachable; request let through: {Reason}")]
    private partial void LogUnreachable(string reason);
}
