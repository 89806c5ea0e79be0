using StackExchange.Redis;

namespace ChatWeb.ScaleOut;

/// <summary>Change notices through a Redis channel: every instance, this one included, hears every publish.</summary>
internal sealed partial class RedisChangeNotices : ChangeNotices
{
    private readonly ISubscriber _subscriber;
    private readonly RedisChannel _channel;
    private readonly ILogger<RedisChangeNotices> _logger;

    public RedisChangeNotices(IConnectionMultiplexer redis, RedisOptions options, ILogger<RedisChangeNotices> logger)
    {
        _subscriber = redis.GetSubscriber();
        _channel = RedisChannel.Literal(options.KeyPrefix + "changes");
        _logger = logger;
    }

    /// <summary>Starts listening (at start-up, by <see cref="RedisStartup"/>); the client renews it after a reconnect.</summary>
    public Task SubscribeAsync() => _subscriber.SubscribeAsync(_channel, (_, topic) => Raise(topic.ToString()));

    public override void Publish(string topic)
    {
        try
        {
            _subscriber.Publish(_channel, topic);
        }
        catch (RedisException ex)
        {
            // The change is saved; only other instances' open pages learn of it late (at their next load).
            LogPublishFailed(topic, ex.Message);
            Raise(topic);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell the other instances that {Topic} changed: {Reason}")]
    private partial void LogPublishFailed(string topic, string reason);
}
