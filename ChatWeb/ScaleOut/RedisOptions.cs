namespace ChatWeb.ScaleOut;

/// <summary>
/// Redis, shared by every ChatWeb instance behind one load balancer (<c>ChatWeb:Redis</c>). Unset: one instance
/// keeps sessions in its database, keys in its data folder, rate-limit counters in memory, and notices in-process.
/// </summary>
public sealed class RedisOptions
{
    public const string Section = "ChatWeb:Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>redis:6379,password=…</c>; empty = no Redis.</summary>
    public string? Configuration { get; set; }

    /// <summary>Prefix of every key and channel ChatWeb uses, so that several ChatWeb deployments may share one Redis.</summary>
    public string KeyPrefix { get; set; } = "chatweb:";
}
