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

        // Record every state the answer passes through: the engine is fast, so polling could miss the stream.
        await page.EvaluateAsync(@"() => {
            window.seen = [];
            new MutationObserver(() => {
                const answer = [...document.querySelectorAll('.message.assistant')].pop();
                if (answer) window.seen.push({ length: answer.querySelector('.message-text')?.innerText.length ?? 0,
                                               streaming: !!answer.querySelector('.cursor') });
            }).observe(document.body, { subtree: true, childList: true, characterData: true });
        }");
        await page.Locator("#prompt").FillAsync("Once upon a time, there was a little cat");
        await page.Locator("#prompt").PressAsync("Enter");

        var answer = page.Locator(".message.assistant").Last;
        await Expect(answer).ToHaveAttributeAsync("data-status", "complete", new() { Timeout = 60_000 });

        // It streamed: the text grew in several steps while the cursor showed.
        var grew = await page.EvaluateAsync<int>(
            "() => new Set(window.seen.filter(s => s.streaming && s.length > 0).map(s => s.length)).size");
        Assert.True(grew >= 2, $"expected the story to arrive in several steps, saw {grew}\n{fixture.App.Log}");

        // And it is the model's story, not the demo's.
        var story = await answer.Locator(".message-text").InnerTextAsync();
        Assert.DoesNotContain("demo", story, StringComparison.OrdinalIgnoreCase);
        Assert.True(story.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length >= 20, story);
        Assert.Matches("[a-z]+ [a-z]+ [a-z]+", story);
        await Expect(answer).Not.ToContainTextAsync("Failed");
    }
}
