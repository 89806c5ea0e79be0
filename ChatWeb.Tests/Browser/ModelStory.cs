using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatWeb.Tests.Browser;

/// <summary>What a person sees when a real model (stories260K, whatever its runtime) answers on the chat page.</summary>
internal static class ModelStory
{
    /// <summary>Sends the start of a story and checks that the model's own story streamed in, with the cursor, and completed.</summary>
    public static async Task StreamsAStoryAsync(IPage page, AppServer app)
    {
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

        // It streamed: the text grew in several steps while the cursor showed.
        var grew = await page.EvaluateAsync<int>(
            "() => new Set(window.seen.filter(s => s.streaming && s.length > 0).map(s => s.length)).size");
        Assert.True(grew >= 2, $"expected the story to arrive in several steps, saw {grew}\n{app.Log}");

        // And it is the model's story, not the demo's.
        var story = await answer.Locator(".message-text").InnerTextAsync();
        Assert.DoesNotContain("demo", story, StringComparison.OrdinalIgnoreCase);
        Assert.True(story.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length >= 20, story);
        Assert.Matches("[a-z]+ [a-z]+ [a-z]+", story);
        await Expect(answer).Not.ToContainTextAsync("Failed");
    }
}
