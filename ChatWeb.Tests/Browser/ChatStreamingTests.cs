using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatWeb.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class ChatStreamingTests(BrowserFixture fixture)
{
    private static ILocator Answer(IPage page) => page.Locator(".message.assistant").Last;

    [Fact]
    public async Task Send_StreamsTheAnswerOverTime_WithCursorThatDisappearsAtTheEnd()
    {
        var page = await fixture.OpenChatAsync();

        await page.Locator("#prompt").FillAsync("Please explain how this works");
        await page.Locator("#prompt").PressAsync("Enter");

        await Expect(page.Locator(".message.user .message-text")).ToHaveTextAsync("Please explain how this works");
        await Expect(Answer(page).Locator(".cursor")).ToBeVisibleAsync();

        // Sample the answer while it streams: it must grow in several steps, not arrive at once.
        var lengths = new List<int>();
        while (await Answer(page).Locator(".cursor").CountAsync() > 0 && lengths.Count < 400)
        {
            lengths.Add((await Answer(page).Locator(".message-text").InnerTextAsync()).Length);
            await Task.Delay(50);
        }
        var distinct = lengths.Distinct().Count();
        Assert.True(distinct >= 5, $"expected the text to grow in many steps, saw lengths {string.Join(",", lengths)}");
        Assert.Equal(lengths.Order(), lengths);

        await Expect(Answer(page).Locator(".cursor")).ToHaveCountAsync(0);
        await Expect(Answer(page)).ToContainTextAsync("ChatWeb's own inference engine.");
        await Expect(page.Locator("#prompt")).ToHaveValueAsync("");
    }

    [Fact]
    public async Task Stop_EndsTheStream_AndKeepsWhatWasStreamed()
    {
        var page = await fixture.OpenChatAsync();
        await page.Locator("#prompt").FillAsync("explain");
        await page.Locator("#prompt").PressAsync("Enter");

        await Expect(Answer(page).Locator(".message-text")).ToContainTextAsync("browser keeps");
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();

        await Expect(Answer(page).Locator(".cursor")).ToHaveCountAsync(0);
        await Expect(Answer(page)).ToContainTextAsync("Stopped.");
        var kept = await Answer(page).Locator(".message-text").InnerTextAsync();
        Assert.StartsWith("Here is how ChatWeb works.", kept);

        Assert.DoesNotContain("inference engine.", kept);

        // The user can ask again right away; once that answer is complete, the stopped one has not grown.
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Send" })).ToBeVisibleAsync();
        await page.Locator("#prompt").FillAsync("hello");
        await page.Locator("#prompt").PressAsync("Enter");
        await Expect(page.Locator(".message.assistant")).ToHaveCountAsync(2);
        await Expect(Answer(page)).ToHaveAttributeAsync("data-status", "complete");
        Assert.Equal(kept, await page.Locator(".message.assistant").First.Locator(".message-text").InnerTextAsync());
    }

    [Fact]
    public async Task ShiftEnter_AddsALine_AndEnterSendsBothLines()
    {
        var page = await fixture.OpenChatAsync();
        var prompt = page.Locator("#prompt");

        await prompt.PressSequentiallyAsync("first line");
        await prompt.PressAsync("Shift+Enter");
        await prompt.PressSequentiallyAsync("second line");

        await Expect(prompt).ToHaveValueAsync("first line\nsecond line");
        await Expect(page.Locator(".message")).ToHaveCountAsync(0);

        await prompt.PressAsync("Enter");
        await Expect(page.Locator(".message.user .message-text")).ToHaveTextAsync("first line\nsecond line");
    }

    [Fact]
    public async Task EmptyPrompt_IsNotSent()
    {
        var page = await fixture.OpenChatAsync();
        await page.Locator("#prompt").FillAsync("   ");
        await page.Locator("#prompt").PressAsync("Enter");

        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Send" })).ToBeDisabledAsync();
        await Task.Delay(300);
        await Expect(page.Locator(".message")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task BackendError_IsShownOnTheTurn_AndThePromptStaysInTheComposerOnce()
    {
        var page = await fixture.OpenChatAsync();
        await page.Locator("#prompt").FillAsync("please fail now");
        await page.Locator("#prompt").PressAsync("Enter");

        await Expect(page.Locator(".turn-failure")).ToContainTextAsync("failed on purpose");
        await Expect(page.Locator(".turn-failure button.retry")).ToBeVisibleAsync();
        await Expect(page.Locator("#prompt")).ToHaveValueAsync("please fail now");
        await Expect(page.Locator(".message")).ToHaveCountAsync(0); // not also kept as a message and a failed answer
    }

    [Fact]
    public async Task DemoMode_IsStatedOnThePage_WithoutSetupAdvice()
    {
        var page = await fixture.OpenChatAsync();
        await Expect(page.Locator(".demo-banner")).ToHaveTextAsync("Demo mode");
        await Expect(page.GetByText("ChatWeb:Model:Path")).ToHaveCountAsync(0); // that advice is for the admin overview
    }

    [Fact]
    public async Task Health_AnswersWithTheBackend()
    {
        using var http = new HttpClient { BaseAddress = fixture.App.BaseUri };
        var health = await http.GetFromJsonAsync<JsonElement>("health");

        Assert.Equal("demo", health.GetProperty("backend").GetString());
        Assert.False(health.GetProperty("modelLoaded").GetBoolean());
    }
}
