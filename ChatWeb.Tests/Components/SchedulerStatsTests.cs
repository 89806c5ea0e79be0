using Bunit;
using ChatWeb.Components.Admin;
using ChatWeb.Engine.Hosting;
using ChatWeb.Engine.Scheduling;
using ChatWeb.Tests.Engine.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Components;

/// <summary>The admin overview's inference figures come from the running scheduler.</summary>
public sealed class SchedulerStatsTests : BunitContext
{
    [Fact]
    public async Task WithAModel_ShowsQueueSlotsAndTotals()
    {
        using var harness = SchedulerHarness.Stories();
        await SchedulerHarness.TokensAsync(harness.Scheduler.Submit(SchedulerHarness.Request([1], maxNewTokens: 12)));
        Services.AddSingleton<IInferenceStatus>(new FakeInferenceStatus(InferenceStatus.Ready("stories260K")) { Scheduler = harness.Scheduler.Snapshot });

        var stats = Render<SchedulerStats>();

        Assert.Equal("0 waiting (room for 16)", stats.Find("#queue-length").TextContent);
        Assert.Equal("0 of 4", stats.Find("#active-sequences").TextContent);
        Assert.Equal("1 ended (0 failed), 0 refused; 12 tokens generated", stats.Find("#requests").TextContent);
        Assert.EndsWith("budget 64.0 MB", stats.Find("#kv-cache").TextContent);
    }

    [Fact]
    public void WithoutAModel_SaysThereIsNoQueue()
    {
        Services.AddSingleton<IInferenceStatus>(new FakeInferenceStatus(InferenceStatus.Demo("no model in this test")));
        Assert.Contains("demo mode", Render<SchedulerStats>().Find("#inference").TextContent);
    }
}
