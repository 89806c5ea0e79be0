namespace ChatWeb.Tests.Storage;

/// <summary>A clock the test moves by hand. (Microsoft.Extensions.TimeProvider.Testing is not in the package feed.)</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
