using Bunit;
using ChatWeb.Components.Chat;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Components;

public sealed class ThinkingPanelTests : BunitContext
{
    private readonly ManualTimeProvider _time = new();

    public ThinkingPanelTests()
    {
        Services.AddSingleton<TimeProvider>(_time);
    }

    private IRenderedComponent<ThinkingPanel> RenderPanel(bool live, TimeSpan? duration = null) =>
        Render<ThinkingPanel>(p => p
            .Add(c => c.Thoughts, "  Considering the options.\n")
            .Add(c => c.StartedAt, _time.GetUtcNow())
            .Add(c => c.Duration, duration)
            .Add(c => c.IsLive, live));

    [Fact]
    public void WhileThinking_ThePanelIsOpen_AndItsClockRuns()
    {
        var panel = RenderPanel(live: true);
        Assert.Equal("Thinking… 0.0 s", panel.Find(".thinking-label").TextContent);
        Assert.Equal("Considering the options.", panel.Find(".thoughts").TextContent);
        Assert.Equal("true", panel.Find(".thinking-toggle").GetAttribute("aria-expanded"));

        _time.Advance(TimeSpan.FromSeconds(3.2));

        panel.WaitForAssertion(() => Assert.Equal("Thinking… 3.2 s", panel.Find(".thinking-label").TextContent));
    }

    [Fact]
    public void WhenTheAnswerStarts_ThePanelCollapses_ToTheThinkingTime()
    {
        var panel = RenderPanel(live: true);

        panel.Render(p => p.Add(c => c.IsLive, false).Add(c => c.Duration, TimeSpan.FromSeconds(4.1)));

        Assert.Equal("Thought for 4.1 s", panel.Find(".thinking-label").TextContent);
        Assert.Empty(panel.FindAll(".thoughts"));
        Assert.Equal("false", panel.Find(".thinking-toggle").GetAttribute("aria-expanded"));
    }

    [Fact]
    public void ACollapsedPanel_CanBeReopened_AndClosedAgain()
    {
        var panel = RenderPanel(live: false, duration: TimeSpan.FromSeconds(4.1));

        panel.Find(".thinking-toggle").Click();
        Assert.Equal("Considering the options.", panel.Find(".thoughts").TextContent);
        Assert.Equal("Thought for 4.1 s", panel.Find(".thinking-label").TextContent);

        panel.Find(".thinking-toggle").Click();
        Assert.Empty(panel.FindAll(".thoughts"));
    }

    [Fact]
    public void AFinishedPanel_DoesNotTick()
    {
        var panel = RenderPanel(live: false, duration: TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal("Thought for 1.0 s", panel.Find(".thinking-label").TextContent);
    }
}

public sealed class ThinkingPanelStreamingTests : BunitContext
{
    [Fact]
    public void LongThoughts_ShowWhole_AsTheyGrowParagraphByParagraph()
    {
        Services.AddSingleton(TimeProvider.System);
        var thoughts = "";
        var panel = Render<ThinkingPanel>(p => p
            .Add(c => c.Thoughts, thoughts)
            .Add(c => c.StartedAt, DateTimeOffset.UtcNow)
            .Add(c => c.IsLive, true));

        foreach (var piece in new[] { "First idea.", "\n\n", "Second ", "idea.\n", "\nThird." })
        {
            thoughts += piece;
            panel.Render(p => p.Add(c => c.Thoughts, thoughts));
            Assert.Equal(thoughts.Trim(), panel.Find(".thoughts").TextContent);
        }
    }
}
