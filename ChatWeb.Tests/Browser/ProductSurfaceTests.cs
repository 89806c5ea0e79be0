using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ChatWeb.Tests.Browser;

/// <summary>
/// The chat as a finished product at 1280×800 and as a phone (390×844, touch): layout, drawer, keyboard
/// shortcuts, math, and axe-core on every state, with a screenshot of each in bin/screenshots.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ProductSurfaceTests(BrowserFixture fixture, ITestOutputHelper output)
{
    private static ILocator Answer(IPage page) => page.Locator(".message.assistant").Last;

    private static async Task SendAsync(IPage page, string prompt)
    {
        await page.Locator("#prompt").FillAsync(prompt);
        await page.Locator("#prompt").PressAsync("Enter");
    }

    private static Task WaitForAnswerAsync(IPage page) =>
        Expect(Answer(page).Locator("button.copy-answer")).ToBeVisibleAsync(new() { Timeout = 30_000 });

    private async Task<IPage> OpenAsync(bool phone, ColorScheme scheme = ColorScheme.Light)
    {
        var options = phone
            ? new BrowserNewContextOptions
            {
                ViewportSize = new ViewportSize { Width = 390, Height = 844 },
                DeviceScaleFactor = 3, IsMobile = true, HasTouch = true,
            }
            : new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } };
        options.BaseURL = fixture.App.BaseUri.ToString();
        options.ColorScheme = scheme;
        options.Permissions = ["clipboard-read", "clipboard-write"];
        return await fixture.OpenChatAsync(await fixture.Browser.NewContextAsync(options));
    }

    private async Task CheckAsync(IPage page, string state)
    {
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Axe.ScreenshotFolder(), $"{state}.png") });
        await Axe.AssertNoSeriousViolationsAsync(page, state, output);
    }

    [Fact]
    public async Task Desktop_EveryState_PassesAxe()
    {
        var page = await OpenAsync(phone: false);
        await Expect(page.Locator(".empty-chat")).ToBeVisibleAsync();
        await CheckAsync(page, "desktop-empty-chat");

        await SendAsync(page, "show me markdown"); // headings, lists, a task list, a table, code
        await WaitForAnswerAsync(page);
        await Expect(Answer(page).Locator("input[type=checkbox]").First).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("Done|Not done"));
        await Expect(Answer(page).Locator("pre code.hljs").First).ToBeVisibleAsync();
        await CheckAsync(page, "desktop-markdown-answer");

        await page.GetByRole(AriaRole.Switch, new() { Name = "Think" }).CheckAsync();
        await SendAsync(page, "ponder, then say hello");
        await Expect(Answer(page).Locator(".thoughts")).ToContainTextAsync("The user asked me to ponder");
        await CheckAsync(page, "desktop-thinking-open");
        await WaitForAnswerAsync(page);

        await page.Locator("button.settings-toggle").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToContainTextAsync("Generation settings");
        await Expect(page.Locator("#temperature")).ToBeVisibleAsync();
        await CheckAsync(page, "desktop-settings-dialog");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);

        await page.Locator("#prompt").FocusAsync();
        await page.Keyboard.PressAsync("Control+/");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToContainTextAsync("Keyboard shortcuts");
        await CheckAsync(page, "desktop-shortcuts-dialog");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task DarkTheme_WithAnAnswer_PassesAxe()
    {
        var page = await OpenAsync(phone: false, ColorScheme.Dark);
        await SendAsync(page, "show me markdown");
        await WaitForAnswerAsync(page);
        await page.GetByRole(AriaRole.Switch, new() { Name = "Think" }).CheckAsync();
        await SendAsync(page, "think, then show some code");
        await WaitForAnswerAsync(page);
        await Expect(page.Locator("body")).ToHaveCSSAsync("background-color", "rgb(21, 24, 27)");
        await CheckAsync(page, "desktop-dark-theme");
    }

    [Fact]
    public async Task Phone_FitsTheScreen_KeepsTheComposerInView_AndOpensAndClosesTheDrawer()
    {
        var page = await OpenAsync(phone: true);
        await CheckAsync(page, "phone-empty-chat");

        // A long code line must scroll inside its block, never widen the page.
        await SendAsync(page, "show me some code");
        await WaitForAnswerAsync(page);
        await Answer(page).Locator("pre code").First.EvaluateAsync("c => c.textContent += ' // ' + 'a_very_long_identifier_'.repeat(20)");
        await SendAsync(page, "show me markdown");
        await WaitForAnswerAsync(page);
        Assert.True(await page.EvaluateAsync<int>("() => document.scrollingElement.scrollWidth") <= 390,
            "the page is wider than the phone's 390 px");
        await Expect(page.Locator("#prompt")).ToBeInViewportAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Send" })).ToBeInViewportAsync();
        await Expect(page.Locator("button.theme-toggle")).ToBeInViewportAsync();
        await CheckAsync(page, "phone-markdown-answer");

        // The conversation list is a drawer behind the menu button.
        var drawer = page.Locator("#conversations-drawer");
        await Expect(drawer).Not.ToBeInViewportAsync();
        await page.Locator("button.drawer-toggle").TapAsync();
        await Expect(drawer).ToBeInViewportAsync();
        await Expect(page.Locator("button.drawer-toggle")).ToHaveAttributeAsync("aria-expanded", "true");
        await CheckAsync(page, "phone-drawer-open");
        await page.Locator(".mud-overlay").TapAsync(new() { Position = new Position { X = 370, Y = 400 } });
        await Expect(drawer).Not.ToBeInViewportAsync();
        await Expect(page.Locator("#prompt")).ToBeInViewportAsync();
    }

    [Fact]
    public async Task KeyboardShortcuts_FocusTheBox_StopCopyAndStartANewChat()
    {
        var page = await OpenAsync(phone: false);
        await SendAsync(page, "explain");
        await Expect(Answer(page).Locator(".cursor")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape"); // stop
        await Expect(Answer(page).Locator(".message-note")).ToContainTextAsync("Stopped.");

        await page.Locator("h1").ClickAsync(); // focus away from the box
        await page.Keyboard.PressAsync("Shift+Escape");
        await Expect(page.Locator("#prompt")).ToBeFocusedAsync();

        await SendAsync(page, "hello");
        await WaitForAnswerAsync(page);
        await Expect(page.Locator("button.send")).ToBeVisibleAsync(); // the answer has ended
        await page.Keyboard.PressAsync("Control+Shift+C");
        // "Copied" shows for two seconds only, which a busy machine can miss: the clipboard is what counts.
        await page.WaitForFunctionAsync("() => navigator.clipboard.readText().then(t => t.startsWith(\"Hello! I am ChatWeb's demo assistant.\"))");

        await page.Keyboard.PressAsync("Control+Shift+O");
        await Expect(page.Locator(".message")).ToHaveCountAsync(0);
        await Expect(page.Locator(".empty-chat")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Math_IsTypeset_AndHostileMathDoesNothing()
    {
        var page = await OpenAsync(phone: false);
        await SendAsync(page, "some math please");
        await WaitForAnswerAsync(page);
        await Expect(Answer(page).Locator(".math .katex").First).ToBeVisibleAsync();
        await Expect(Answer(page).Locator(".katex-display")).ToHaveCountAsync(1);
        await CheckAsync(page, "desktop-math");

        await SendAsync(page, "show me something hostile");
        await WaitForAnswerAsync(page);
        await Expect(Answer(page).Locator(".math").First).ToHaveAttributeAsync("data-typeset", "");
        Assert.Equal(0, await Answer(page).Locator(".math a, .math img, .math script, .math [style*='fixed']").CountAsync());
        Assert.Null(await page.EvaluateAsync<string?>("() => window.__chatwebInjected ?? null"));
    }
}
