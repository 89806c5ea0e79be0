using ChatWeb.Engine.Hosting;

namespace ChatWeb.Tests.Engine.Hosting;

/// <summary>"Still loading" says how far, and when to come back: the time left rounded up, within 1 to 30 s.</summary>
public sealed class ModelLoadingExceptionTests
{
    [Theory]
    [InlineData(null, 5)]      // no estimate yet
    [InlineData(0.2, 1)]
    [InlineData(12.3, 13)]
    [InlineData(400.0, 30)]
    public void RetryAfter_IsTheTimeLeft_RoundedUp_Within1To30Seconds(double? secondsLeft, int expected)
    {
        var progress = new ModelLoadProgress(ModelLoadProgress.ReadingWeights, 1, 4)
        {
            Remaining = secondsLeft is { } s ? TimeSpan.FromSeconds(s) : null,
        };

        var loading = new ModelLoadingException(progress);

        Assert.Equal(expected, loading.RetryAfterSeconds);
        Assert.Equal("The model is still loading (25 %); try again in a moment.", loading.Message);
    }
}
