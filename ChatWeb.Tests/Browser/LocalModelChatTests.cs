using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatWeb.Tests.Browser;

/// <summary>ChatWeb started with a real model file (stories260K) configured by ChatWeb:Model:Path.</summary>
public sealed class Stories260KBrowserFixture : BrowserFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["ChatWeb:Model:Path"] = TestPaths.Model("stories260K", "stories260K.gguf"),
    };
}

/// <summary>Runs on its own, after the parallel tests, so two Chromiums and two apps do not compete for the CPU.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Stories260KBrowserCollection : ICollectionFixture<Stories260KBrowserFixture>
{
    public const string Name = "browser-stories260K";
}

[Collection(Stories260KBrowserCollection.Name)]
public sealed class LocalModelChatTests(Stories260KBrowserFixture fixture)
{
    [Fact]
    public async Task ChatPage_StreamsTheModelsStory_AndNamesTheModel()
    {
        var page = await fixture.OpenChatAsync();
        await Expect(page.Locator(".model-name")).ToBeVisibleAsync();
        await Expect(page.Locator(".demo-banner")).ToHaveCountAsync(0);

        await page.Locator("#prompt").FillAsync("Once upon a time, there was a little cat");
        await page.Locator("#prompt").PressAsync("Enter");

        // The story streams in: the text grows word by word (stories260K only tells stories).
        var answer = page.Locator(".message.assistant").Last;
        await Expect(answer).ToHaveAttributeAsync("data-status", "streaming");
        var words = 0;
        for (var i = 0; i < 600 && words < 30; i++)
        {
            words = (await answer.Locator(".message-text").InnerTextAsync()).Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            await Task.Delay(50);
        }
        Assert.True(words >= 30, $"expected the story to stream, saw {words} words\n{fixture.App.Log}");

        // Stop ends the engine's generation and keeps the story so far.
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();
        await Expect(answer).ToHaveAttributeAsync("data-status", "stopped");
        var kept = await answer.Locator(".message-text").InnerTextAsync();
        Assert.DoesNotContain("demo", kept, StringComparison.OrdinalIgnoreCase);
        Assert.Matches("[a-z]+ [a-z]+ [a-z]+", kept);
        await Expect(answer).Not.ToContainTextAsync("Failed");
    }
}
