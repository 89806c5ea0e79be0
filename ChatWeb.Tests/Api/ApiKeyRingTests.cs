using ChatWeb.Api;
using ChatWeb.Api.Access;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatWeb.Tests.Api;

public sealed class ApiKeyRingTests
{
    [Fact]
    public void Identify_NamesAConfiguredKey_AndRefusesOthers()
    {
        var ring = new ApiKeyRing(new Monitor(Options(("ci", "secret-1"))), NullLogger<ApiKeyRing>.Instance);

        Assert.Equal("ci", ring.Identify("secret-1"));
        Assert.Null(ring.Identify("secret-2"));
        Assert.Null(ring.Identify(""));
    }

    [Fact]
    public void ChangedConfiguration_AppliesWithoutRestart_AndAnInvalidChangeKeepsTheLastGoodKeys()
    {
        var monitor = new Monitor(Options(("ci", "secret-1")));
        var ring = new ApiKeyRing(monitor, NullLogger<ApiKeyRing>.Instance);
        Assert.Equal("ci", ring.Identify("secret-1"));

        monitor.Value = Options(("ci", "secret-1"), ("bot", "secret-2"));
        Assert.Equal("bot", ring.Identify("secret-2"));

        monitor.Failure = new OptionsValidationException("Keys", typeof(ApiOptions), ["Sha256 must be 64 hex digits"]);
        Assert.Equal("bot", ring.Identify("secret-2"));
        Assert.True(ring.HasKeys);
    }

    private static ApiOptions Options(params (string Name, string Key)[] keys) => new()
    {
        Keys = keys.Select(k => new ApiKeyOptions { Name = k.Name, Sha256 = ApiKeyRing.Hash(k.Key) }).ToList(),
    };

    private sealed class Monitor(ApiOptions value) : IOptionsMonitor<ApiOptions>
    {
        public ApiOptions Value { get; set; } = value;
        public OptionsValidationException? Failure { get; set; }

        public ApiOptions CurrentValue => Failure is null ? Value : throw Failure;

        public ApiOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<ApiOptions, string?> listener) => null;
    }
}
