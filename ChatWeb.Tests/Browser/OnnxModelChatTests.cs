using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatWeb.Tests.Browser;

/// <summary>ChatWeb started with stories260K as an ONNX Runtime GenAI folder (ChatWeb:Model:Path), run by ONNX Runtime on the CPU.</summary>
public sealed class OnnxStoriesBrowserFixture : BrowserFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["ChatWeb:Model:Path"] = TestPaths.Model("stories260K-onnx"),
        ["ChatWeb:Model:Threads"] = "1",
    };
}

/// <summary>Runs on its own, after the parallel tests, so two Chromiums and two apps do not compete for the CPU.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OnnxStoriesBrowserCollection : ICollectionFixture<OnnxStoriesBrowserFixture>
{
    public const string Name = "browser-stories260K-onnx";
}

[Collection(OnnxStoriesBrowserCollection.Name)]
public sealed class OnnxModelChatTests(OnnxStoriesBrowserFixture fixture)
{
    [Fact]
    public async Task ChatPage_StreamsTheStoryFromOnnxRuntime_AndNamesTheModel()
    {
        var page = await fixture.OpenChatAsync();
        await Expect(page.Locator(".model-name")).ToContainTextAsync("stories260K-onnx", new() { Timeout = 60_000 });
        await Expect(page.Locator(".demo-banner")).ToHaveCountAsync(0);

        // Record every state the answer passes through: the model is fast, so polling could miss the stream.
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

        var grew = await page.EvaluateAsync<int>(
            "() => new Set(window.seen.filter(s => s.streaming && s.length > 0).map(s => s.length)).size");
        Assert.True(grew >= 2, $"expected the story to arrive in several steps, saw {grew}\n{fixture.App.Log}");
        var story = await answer.Locator(".message-text").InnerTextAsync();
        Assert.DoesNotContain("demo", story, StringComparison.OrdinalIgnoreCase);
        Assert.True(story.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length >= 20, story);
        Assert.Matches("[a-z]+ [a-z]+ [a-z]+", story);
    }
}
