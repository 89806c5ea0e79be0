using System.Threading.RateLimiting;

namespace ChatWeb.ScaleOut;

/// <summary>
/// The one rule for ChatWeb's fixed one-minute rate-limit windows: counted in Redis, shared by every instance,
/// when Redis is configured (<see cref="RedisFixedWindowLimiter"/>); else in this process's memory.
/// </summary>
internal static class SharedRateLimits
{
    public static RateLimitPartition<string> FixedWindow(HttpContext context, string policy, string partition, int permitsPerMinute) =>
        FixedWindow(context.RequestServices.GetService<RedisRateLimitCounters>(), $"{policy}:{partition}", permitsPerMinute);

    /// <summary>The window of <paramref name="key"/>: in Redis when <paramref name="counters"/> is given, else in memory.</summary>
    public static RateLimitPartition<string> FixedWindow(RedisRateLimitCounters? counters, string key, int permitsPerMinute)
    {
        return counters is null
            ? RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = permitsPerMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            })
            : RateLimitPartition.Get(key, k => new RedisFixedWindowLimiter(counters, k, permitsPerMinute, TimeSpan.FromMinutes(1)));
    }
}
