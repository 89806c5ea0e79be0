namespace ChatWeb.Engine.Scheduling;

/// <summary>The scheduler at one moment, for the admin page; latencies over the last 512 samples, speed over the last 10 s.</summary>
public sealed record SchedulerSnapshot
{
    /// <summary>Requests waiting now.</summary>
    public int QueueLength { get; init; }
    /// <summary>Requests that may wait (<see cref="InferenceOptions.QueueSize"/>).</summary>
    public int QueueSize { get; init; }
    /// <summary>Generations running now.</summary>
    public int ActiveSequences { get; init; }
    /// <summary>Generations that may run at once.</summary>
    public int MaxConcurrentSequences { get; init; }
    /// <summary>KV cache memory held by running generations.</summary>
    public long KvCacheInUseBytes { get; init; }
    /// <summary>KV cache memory allocated (running and pooled).</summary>
    public long KvCacheAllocatedBytes { get; init; }
    /// <summary>The KV cache budget (<see cref="InferenceOptions.KvCacheBudgetMb"/>).</summary>
    public long KvCacheBudgetBytes { get; init; }
    /// <summary>Tokens generated per second over the last 10 s, all users together.</summary>
    public double TokensPerSecond { get; init; }
    /// <summary>Tokens generated since start.</summary>
    public long TotalTokens { get; init; }
    /// <summary>Requests refused as busy since start.</summary>
    public long TotalRejected { get; init; }
    /// <summary>Requests ended since start.</summary>
    public long TotalFinished { get; init; }
    /// <summary>Requests failed by the engine since start.</summary>
    public long TotalFailed { get; init; }
    /// <summary>Median time from submission to the first token; null before any.</summary>
    public TimeSpan? TimeToFirstTokenP50 { get; init; }
    /// <summary>95th percentile of the time to the first token; null before any.</summary>
    public TimeSpan? TimeToFirstTokenP95 { get; init; }
    /// <summary>Median time between two tokens of one generation; null before any.</summary>
    public TimeSpan? InterTokenP50 { get; init; }
    /// <summary>95th percentile of the time between two tokens; null before any.</summary>
    public TimeSpan? InterTokenP95 { get; init; }
}
