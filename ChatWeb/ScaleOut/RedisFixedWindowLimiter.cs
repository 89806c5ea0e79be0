using System.Threading.RateLimiting;

namespace ChatWeb.ScaleOut;

/// <summary>One partition's fixed window, counted in Redis so that every instance sees the same count. No queue.</summary>
internal sealed class RedisFixedWindowLimiter(RedisRateLimitCounters counters, string partition, int permitLimit, TimeSpan window)
    : RateLimiter
{
    private long _lastUsed = counters.Time.GetTimestamp();

    public override TimeSpan? IdleDuration => counters.Time.GetElapsedTime(Interlocked.Read(ref _lastUsed));

    public override RateLimiterStatistics? GetStatistics() => null;

    // The synchronous attempt never blocks a thread on Redis: it answers "not yet" (refused, without a Retry-After),
    // and the rate-limiting middleware then asks AcquireAsync, which counts in Redis.
    protected override RateLimitLease AttemptAcquireCore(int permitCount) => permitCount == 0 ? Lease.Granted : Lease.NotYet;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _lastUsed, counters.Time.GetTimestamp());
        if (permitCount == 0)
            return Lease.Granted;
        var now = counters.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var windowMs = (long)window.TotalMilliseconds;
        var count = await counters.AddAsync(partition, permitCount, window, now / windowMs);
        if (count is null || count <= permitLimit)
            return Lease.Granted;
        return new Lease(false, TimeSpan.FromMilliseconds(windowMs - now % windowMs));
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Granted = new(true, null);
        public static readonly Lease NotYet = new(false, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}
