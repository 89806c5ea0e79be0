using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatWeb.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class ChatSurfaceTests(BrowserFixture fixture)
{
    private static ILocator Answer(IPage page) => page.Locator(".message.assistant").Last;

    private static async Task SendAsync(IPage page, string prompt)
    {
        await page.Locator("#prompt").FillAsync(prompt);
        await page.Locator("#prompt").PressAsync("Enter");
    }

    private static async Task WaitForAnswerAsync(IPage page) =>
        await Expect(Answer(page).Locator("button.copy-answer")).ToBeVisibleAsync(new() { Timeout = 20_000 });

    private async Task<IPage> OpenWithClipboardAsync()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.App.BaseUri.ToString(),
            Permissions = ["clipboard-read", "clipboard-write"],
        });
        return await fixture.OpenChatAsync(context);
    }

    [Fact]
    public async Task ThinkingAnswer_ShowsTheLivePanel_ThenCollapsesWhenTheAnswerStarts()
    {
        var page = await fixture.OpenChatAsync();
        await page.GetByRole(AriaRole.Switch, new() { Name = "Think" }).CheckAsync();
        await SendAsync(page, "ponder, then say hello"); // about four seconds of thoughts

        var toggle = Answer(page).Locator(".thinking-toggle");
        await Expect(toggle).ToContainTextAsync("Thinking…");
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
        await Expect(Answer(page).Locator(".thoughts")).ToContainTextAsync("The user asked me to ponder");
        var firstLabel = await toggle.InnerTextAsync();
        await Expect(toggle).Not.ToHaveTextAsync(firstLabel); // the clock runs while it thinks
        await Expect(Answer(page).Locator(".thoughts")).ToContainTextAsync("First, what is being asked?");

        await Expect(toggle).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"Thought for \d+\.\d s"), new() { Timeout = 20_000 });
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(Answer(page).Locator(".thoughts")).ToHaveCountAsync(0);
        await WaitForAnswerAsync(page);
        await Expect(Answer(page).Locator(".message-text")).ToContainTextAsync("Hello! I am ChatWeb's demo assistant.");
        await Expect(Answer(page).Locator(".message-text")).Not.ToContainTextAsync("ponder");

        await toggle.ClickAsync();
        await Expect(Answer(page).Locator(".thoughts")).ToContainTextAsync("That settles it; time to answer.");
    }

    [Fact]
    public async Task HostileMarkdown_ExecutesNothing()
    {
        var page = await fixture.OpenChatAsync();
        var dialogs = new List<string>();
        page.Dialog += (_, dialog) => { dialogs.Add(dialog.Message); _ = dialog.DismissAsync(); };
        var requests = new List<string>();
        page.Request += (_, request) => requests.Add(request.Url);
        await SendAsync(page, "show me something hostile");
        await WaitForAnswerAsync(page);
        var address = page.Url; // the chat's own address (/c/{id}) once its first prompt is stored

        var answer = Answer(page).Locator(".message-text");
        await Expect(answer).ToContainTextAsync("<script>window.__chatwebInjected");
        await Expect(answer).ToContainTextAsync("<img src=x onerror=");
        // KaTeX sizes what it typesets, and colours a formula it cannot read, with its own inline styles;
        // no other element has one, and nothing from the text became a style, a class or a link.
        Assert.Equal(0, await answer.Locator("script, img, iframe, [onclick], [onerror], [style]:not(.katex *):not(.katex-error)").CountAsync());
        Assert.Equal(0, await answer.Locator(".math [style*='fixed'], .math [class='x'], .math a").CountAsync());
        // The only links are the safe one and the image, which became a link and was never fetched.
        Assert.Equal(["http://127.0.0.1:9/pixel.png", "https://example.org/"],
            await answer.Locator("a").EvaluateAllAsync<string[]>("links => links.map(a => a.href)"));

        // Clicking every link-like thing that is not the safe link stays on the page and runs nothing.
        foreach (var blocked in await answer.Locator(".md-blocked-link").AllAsync())
            await blocked.ClickAsync();
        await answer.GetByText("cover").ClickAsync();
        await Task.Delay(300);

        Assert.Empty(dialogs);
        Assert.Equal(address, page.Url);
        Assert.Null(await page.EvaluateAsync<string?>("() => window.__chatwebInjected ?? null"));
        Assert.DoesNotContain(requests, url => url.Contains("pixel.png"));
    }

    [Fact]
    public async Task CopyButtons_PutTheCodeAndTheAnswerOnTheClipboard()
    {
        var page = await OpenWithClipboardAsync();
        await SendAsync(page, "show me some code");
        await WaitForAnswerAsync(page);

        await Expect(Answer(page).Locator("pre code.hljs")).ToBeVisibleAsync(); // highlighted once finished
        await Answer(page).Locator("button.copy-code").ClickAsync();
        await Expect(Answer(page).Locator("button.copy-code")).ToHaveTextAsync("Copied");
        var code = await page.EvaluateAsync<string>("() => navigator.clipboard.readText()");
        Assert.StartsWith("var names = new[] { \"Ada\", \"Linus\" };", code);
        Assert.DoesNotContain("```", code);

        await Answer(page).Locator("button.copy-answer").ClickAsync();
        await Expect(Answer(page).Locator("button.copy-answer")).ToHaveAttributeAsync("aria-label", "Copied");
        var answer = await page.EvaluateAsync<string>("() => navigator.clipboard.readText()");
        Assert.StartsWith("Here is a small C# example:", answer);
        Assert.Contains("```csharp", answer);
    }

    [Fact]
    public async Task Regenerate_AnswersAgain_AndEdit_ResendsFromTheEditedMessage()
    {
        var page = await fixture.OpenChatAsync();
        await SendAsync(page, "hello");
        await WaitForAnswerAsync(page);

        await Answer(page).Locator("button.regenerate").ClickAsync();
        await Expect(Answer(page).Locator(".cursor")).ToHaveCountAsync(1);
        await WaitForAnswerAsync(page);
        await Expect(page.Locator(".message")).ToHaveCountAsync(2);
        await Expect(Answer(page)).ToContainTextAsync("Hello! I am ChatWeb's demo assistant.");

        await page.Locator(".message.user button.edit").ClickAsync();
        await page.Locator("textarea.edit-text").FillAsync("explain please");
        await page.Locator("button.save-edit").ClickAsync();
        await WaitForAnswerAsync(page);

        await Expect(page.Locator(".message")).ToHaveCountAsync(2);
        await Expect(page.Locator(".message.user .message-text")).ToHaveTextAsync("explain please");
        await Expect(Answer(page)).ToContainTextAsync("Here is how ChatWeb works.");
    }

    [Fact]
    public async Task Scrolling_FollowsTheStreamAtTheBottom_AndOffersJumpToBottomElsewhere()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.App.BaseUri.ToString(),
            ViewportSize = new ViewportSize { Width = 800, Height = 500 },
        });
        var page = await fixture.OpenChatAsync(context);
        var list = page.Locator(".message-list");
        const string distanceFromBottom = "l => l.scrollHeight - l.scrollTop - l.clientHeight";
        await SendAsync(page, "show me markdown");

        // While the answer overflows the list, the newest text stays in view.
        await Expect(Answer(page).Locator("table")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        Assert.True(await list.EvaluateAsync<bool>("l => l.scrollHeight > l.clientHeight * 1.5"));
        Assert.True(await list.EvaluateAsync<double>(distanceFromBottom) < 50);
        await Expect(page.Locator(".jump-to-bottom")).ToBeHiddenAsync();

        // Scrolled up, the page stays where the reader is and offers the way back.
        await list.EvaluateAsync("l => l.scrollTop = 0");
        await Expect(page.Locator(".jump-to-bottom")).ToBeVisibleAsync();
        await Task.Delay(400);
        Assert.Equal(0, await list.EvaluateAsync<double>("l => l.scrollTop"));

        await page.Locator(".jump-to-bottom").ClickAsync();
        Assert.True(await list.EvaluateAsync<double>(distanceFromBottom) < 50);
        await Expect(page.Locator(".jump-to-bottom")).ToBeHiddenAsync();
        await WaitForAnswerAsync(page);
        Assert.True(await list.EvaluateAsync<double>(distanceFromBottom) < 50);
    }

    [Fact]
    public async Task Escape_StopsTheAnswer()
    {
        var page = await fixture.OpenChatAsync();
        await SendAsync(page, "explain");
        await Expect(Answer(page).Locator(".message-text")).ToContainTextAsync("browser keeps");

        await page.Keyboard.PressAsync("Escape");

        await Expect(Answer(page)).ToContainTextAsync("Stopped.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Send" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Keyboard_ReachesTheControls_WithAVisibleFocusRing()
    {
        var page = await fixture.OpenChatAsync();
        await SendAsync(page, "hello");
        await WaitForAnswerAsync(page);

        await page.Locator("#prompt").FocusAsync();
        await page.Keyboard.PressAsync("Shift+Tab");
        await Expect(page.Locator("button.regenerate")).ToBeFocusedAsync();
        var outline = await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle");
        Assert.NotEqual("none", outline);

        await page.Keyboard.PressAsync("Enter"); // regenerates
        await Expect(Answer(page).Locator(".cursor")).ToHaveCountAsync(1);
        await WaitForAnswerAsync(page);

        await page.Locator("#prompt").FocusAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Switch, new() { Name = "Think" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Space");
        await Expect(page.GetByRole(AriaRole.Switch, new() { Name = "Think" })).ToBeCheckedAsync();
    }

    [Theory]
    [InlineData(ReducedMotion.NoPreference, "blink")]
    [InlineData(ReducedMotion.Reduce, "none")]
    public async Task StreamingCursor_BlinksOnlyWhenMotionIsWelcome(ReducedMotion motion, string animation)
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.App.BaseUri.ToString(),
            ReducedMotion = motion,
        });
        var page = await fixture.OpenChatAsync(context);
        await SendAsync(page, "explain");

        var cursor = Answer(page).Locator(".cursor");
        await Expect(cursor).ToBeVisibleAsync();
        // One evaluation in the page: the streaming tail (and its cursor) is replaced many times a second.
        Assert.Equal(animation, await page.EvaluateAsync<string>(
            "() => getComputedStyle(document.querySelector('.message.assistant .cursor')).animationName"));
        await page.Keyboard.PressAsync("Escape");
    }

    [Fact]
    public async Task Theme_CyclesThroughSystemLightAndDark_AndTheChoiceSurvivesAReload()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.App.BaseUri.ToString(),
            ColorScheme = ColorScheme.Light,
        });
        var page = await fixture.OpenChatAsync(context);
        var toggle = page.Locator("button.theme-toggle");
        await ExpectBackgroundAsync(page, "rgb(255, 255, 255)");

        await ToggleThemeAsync(page, "Theme: light");
        await ToggleThemeAsync(page, "Theme: dark");

        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        await ExpectBackgroundAsync(page, "rgb(21, 24, 27)");

        await page.ReloadAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        await Expect(page.Locator("#prompt")).ToBeEnabledAsync(); // interactive again
        await Expect(toggle).ToHaveAttributeAsync("aria-label", "Theme: dark");

        await ToggleThemeAsync(page, "Theme: follow the system");
        await Expect(page.Locator("html")).Not.ToHaveAttributeAsync("data-theme", "dark");
        await ExpectBackgroundAsync(page, "rgb(255, 255, 255)");
    }

    /// <summary>
    /// Clicks the theme button until its name is <paramref name="label"/>: its script is loaded after the page
    /// turns interactive, and a click before that does nothing (on a busy machine that can take seconds).
    /// The button acts at once when wired, so a click that took is never repeated.
    /// </summary>
    private static async Task ToggleThemeAsync(IPage page, string label)
    {
        var toggle = page.Locator("button.theme-toggle");
        for (var attempt = 1; ; attempt++)
        {
            await toggle.ClickAsync();
            try
            {
                await Expect(toggle).ToHaveAttributeAsync("aria-label", label, new() { Timeout = 2_000 });
                return;
            }
            catch (PlaywrightException) when (attempt < 15)
            {
            }
        }
    }

    /// <summary>Replaces the box's text as a paste does: the new value, then one input event.</summary>
    private static Task PasteAsync(ILocator box, string text) =>
        box.EvaluateAsync("(t, text) => { t.value = text; t.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' })); }", text);

    /// <summary>Waits until the page's background has the colour (the theme switch may animate it).</summary>
    private static Task ExpectBackgroundAsync(IPage page, string color) =>
        page.WaitForFunctionAsync("color => getComputedStyle(document.body).backgroundColor === color", color);

    [Fact]
    public async Task APromptOfAHundredThousandCharacters_IsSentAndAnswered_AndALongerOneIsHeldBackWithAMessage()
    {
        var page = await fixture.OpenChatAsync();
        var prompt = page.Locator("#prompt");
        var longest = string.Concat(Enumerable.Repeat("a \"quoted\" word\n", 6_250)); // 16 characters × 6,250 = 100,000
        Assert.Equal(100_000, longest.Length);

        // One character more: the box keeps it all, says why it cannot be sent, and sends nothing.
        await PasteAsync(prompt, longest + "!");
        await Expect(page.Locator(".too-long")).ToContainTextAsync("This prompt is 100,001 characters; the most is 100,000.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Send" })).ToBeDisabledAsync();
        await prompt.PressAsync("Enter");
        Assert.Equal(100_001, await prompt.EvaluateAsync<int>("t => t.value.length"));

        // At the limit (over 32 KB, Blazor's default message limit) it is sent, and the circuit lives on.
        await PasteAsync(prompt, longest);
        await Expect(page.Locator(".too-long")).ToHaveCountAsync(0);
        await prompt.PressAsync("Enter");
        await Expect(page.Locator(".message.user")).ToHaveCountAsync(1);
        Assert.Equal(100_000, await page.Locator(".message.user .message-text").EvaluateAsync<int>("e => e.textContent.length"));
        await WaitForAnswerAsync(page);
        await SendAsync(page, "hello again");
        await WaitForAnswerAsync(page);
        await Expect(page.Locator(".message.user")).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task Screenshots_LightAndDark_WithAMarkdownAnswer()
    {
        var directory = Path.Combine(TestPaths.RepositoryRoot, "ChatWeb.Tests", "bin", "screenshots");
        Directory.CreateDirectory(directory);
        foreach (var (scheme, name) in new[] { (ColorScheme.Light, "light"), (ColorScheme.Dark, "dark") })
        {
            var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = fixture.App.BaseUri.ToString(),
                ColorScheme = scheme,
                ViewportSize = new ViewportSize { Width = 1100, Height = 900 },
            });
            var page = await fixture.OpenChatAsync(context);
            await SendAsync(page, "hostile");
            await WaitForAnswerAsync(page);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, $"chat-{name}-hostile.png") });

            await page.GetByRole(AriaRole.Switch, new() { Name = "Think" }).CheckAsync();
            await SendAsync(page, "ponder, then show me markdown");
            await Expect(Answer(page).Locator(".thoughts")).ToContainTextAsync("Second, what would help most?");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, $"chat-{name}-thinking.png") });
            await WaitForAnswerAsync(page);
            await page.Locator("button.settings-toggle").ClickAsync();
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, $"chat-{name}.png") });

            await page.SetViewportSizeAsync(390, 800);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, $"chat-{name}-phone.png") });
            await context.CloseAsync();
        }
        Assert.True(File.Exists(Path.Combine(directory, "chat-dark.png")));
    }
}
