using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using StackExchange.Redis;

namespace ChatWeb.ScaleOut;

internal static class ScaleOutServiceCollectionExtensions
{
    /// <summary>
    /// What several ChatWeb instances behind one load balancer must share, in Redis when <c>ChatWeb:Redis:Configuration</c>
    /// is set: the session store, the data-protection key ring (so a cookie made by one instance is read by the
    /// others), the rate-limit counters and the change notices. Unset, nothing here changes how one instance works.
    /// Call after the storage and the sessions, whose single-instance choices this replaces.
    /// </summary>
    public static WebApplicationBuilder AddScaleOut(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new();
        if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            builder.Services.AddSingleton<ChangeNotices>();
            return builder;
        }

        ConfigurationOptions redisConfiguration;
        try
        {
            redisConfiguration = ConfigurationOptions.Parse(options.Configuration);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException(
                $"ChatWeb:Redis:Configuration is not a valid Redis configuration string (e.g. redis:6379,password=…): {ex.Message}", ex);
        }
        // The client keeps reconnecting after a loss; RedisStartup stops start-up when Redis does not answer at all.
        redisConfiguration.AbortOnConnectFail = false;
        var redis = new Lazy<IConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(redisConfiguration));

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(_ => redis.Value);
        builder.Services.AddSingleton<IDistributedCache>(_ => new RedisCache(new RedisCacheOptions
        {
            ConnectionMultiplexerFactory = () => Task.FromResult(redis.Value),
            InstanceName = options.KeyPrefix + "session:",
        }));
        builder.Services.AddDataProtection()
            .PersistKeysToStackExchangeRedis(() => redis.Value.GetDatabase(), options.KeyPrefix + "data-protection-keys");
        builder.Services.AddSingleton<RedisRateLimitCounters>();
        builder.Services.AddSingleton<ChangeNotices, RedisChangeNotices>();
        builder.Services.AddHostedService<RedisStartup>();
        return builder;
    }
}
