using System.Threading.RateLimiting;
using ChatWeb.ScaleOut;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace ChatWeb.Tests.ScaleOut;

/// <summary>What two instances share through one Redis: the rate-limit counts and the change notices.</summary>
public sealed class RedisSharingTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 9, 0, 10, TimeSpan.Zero));
    private readonly RedisOptions _options = new() { KeyPrefix = "test:" + Guid.NewGuid().ToString("N")[..8] + ":" };
    private readonly List<IConnectionMultiplexer> _connections = [];
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections)
            await connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    /// <summary>A connection of its own, as each ChatWeb process has.</summary>
    private IConnectionMultiplexer Connect(string configuration)
    {
        var connection = ConnectionMultiplexer.Connect(configuration);
        _connections.Add(connection);
        return connection;
    }

    private RedisFixedWindowLimiter Limiter(IConnectionMultiplexer redis, int permits) =>
        new(new RedisRateLimitCounters(redis, _options, _time, NullLogger<RedisRateLimitCounters>.Instance), "api:key:alice", permits, TimeSpan.FromMinutes(1));

    [Fact]
    public async Task TwoInstances_CountAgainstOneLimit_AndTheNextWindowStartsAfresh()
    {
        var a = Limiter(Connect(_redis.Configuration), permits: 3);
        var b = Limiter(Connect(_redis.Configuration), permits: 3);

        Assert.True((await a.AcquireAsync()).IsAcquired);
        Assert.True((await b.AcquireAsync()).IsAcquired);
        Assert.True((await a.AcquireAsync()).IsAcquired);
        using var refused = await b.AcquireAsync();

        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(50), retryAfter); // the window ends at the next whole minute
        _time.Advance(TimeSpan.FromSeconds(50));
        Assert.True((await b.AcquireAsync()).IsAcquired);
    }

    [Fact]
    public async Task RedisUnreachable_LetsRequestsThrough()
    {
        var down = Connect($"127.0.0.1:{ServerTools.FreePort()},abortConnect=false,connectTimeout=300,asyncTimeout=300");
        var limiter = Limiter(down, permits: 1);

        Assert.True((await limiter.AcquireAsync()).IsAcquired);
        Assert.True((await limiter.AcquireAsync()).IsAcquired);
    }

    [Fact]
    public async Task APresetChangeOnOneInstance_IsHeardByTheOther()
    {
        var a = new RedisChangeNotices(Connect(_redis.Configuration), _options, NullLogger<RedisChangeNotices>.Instance);
        var b = new RedisChangeNotices(Connect(_redis.Configuration), _options, NullLogger<RedisChangeNotices>.Instance);
        var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Changed += topic => heard.TrySetResult(topic);
        await b.SubscribeAsync();

        a.Publish(ChangeNotices.Presets);

        Assert.Equal(ChangeNotices.Presets, await heard.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void AMissingTool_FailsWithTheCommandThatInstallsIt()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ServerTools.Find("chatweb-no-such-server", "chatweb-no-such-package"));

        Assert.Contains("apt-get install -y chatweb-no-such-package", error.Message);
    }
}
