using StackExchange.Redis;

namespace ChatWeb.ScaleOut;

/// <summary>
/// At start-up, with Redis configured: proves Redis answers and subscribes to the change notices. A Redis that does
/// not answer stops start-up with a message naming the setting: without it this instance could not read the key
/// ring that the other instances' cookies were made with.
/// </summary>
internal sealed partial class RedisStartup(IConnectionMultiplexer redis, RedisOptions options, ChangeNotices notices, ILogger<RedisStartup> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await redis.GetDatabase().PingAsync();
            if (notices is RedisChangeNotices shared)
                await shared.SubscribeAsync();
            LogReady(options.Configuration!);
        }
        catch (RedisException ex)
        {
            var message = $"ChatWeb cannot reach Redis at {options.Configuration} (ChatWeb:Redis:Configuration): start Redis " +
                          $"there, fix the setting, or remove it to run a single instance without Redis. ({ex.Message})";
            LogCannotStart(message);
            throw new RedisStartupException(message, ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis ready at {Configuration}: key ring, sessions, rate limits and notices are shared.")]
    private partial void LogReady(string configuration);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Reason}")]
    private partial void LogCannotStart(string reason);
}

/// <summary>Redis is configured but does not answer: start-up stops (exit code 1) after logging why.</summary>
public sealed class RedisStartupException(string message, Exception inner) : Exception(message, inner);
