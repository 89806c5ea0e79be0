using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ChatWeb.Tests.Browser;

/// <summary>Every admin page under axe-core, at 1280×800 and as a phone; screenshots in bin/screenshots.</summary>
[Collection(SessionBrowserCollection.Name)]
public sealed class AdminSurfaceTests(SessionBrowserFixture fixture, ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EveryAdminPage_PassesAxe_AndFitsTheScreen(bool phone)
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.App.BaseUri.ToString(),
            ViewportSize = phone ? new ViewportSize { Width = 390, Height = 844 } : new ViewportSize { Width = 1280, Height = 800 },
            IsMobile = phone, HasTouch = phone,
        });
        var page = await context.NewPageAsync();
        var size = phone ? "phone" : "desktop";
        await page.GotoAsync("/admin");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/admin/login"));
        await CheckAsync(page, $"admin-login-{size}", phone);
        await page.GetByLabel("Name").FillAsync(SessionBrowserFixture.AdminName);
        await page.GetByLabel("Password").FillAsync(SessionBrowserFixture.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/admin$"));

        // Chat users see only "Demo mode"; the admin sees why and what to set.
        await Expect(page.Locator("#model-state")).ToContainTextAsync("Demo mode");
        await Expect(page.Locator("#model-advice")).ToContainTextAsync("ChatWeb:Model:Path");
        await CheckAsync(page, $"admin-overview-{size}", phone);

        await page.GotoAsync("/admin/presets");
        await Expect(page.Locator("tr:has(.default-badge)")).ToBeVisibleAsync();
        await CheckAsync(page, $"admin-presets-{size}", phone);

        await page.Locator("tr:has(.default-badge) a").ClickAsync();
        await Expect(page.Locator(".prompt-preview")).ToBeVisibleAsync();
        await CheckAsync(page, $"admin-preset-edit-{size}", phone);

        // A name over the limit is refused with the store's message under the field; the typed name stays whole.
        var tooLong = new string('n', ChatWeb.Storage.PresetStore.MaxNameLength + 1);
        await page.GetByLabel("Name").FillAsync(tooLong);
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Save as version") }).ClickAsync();
        await Expect(page.Locator("#preset-name-error")).ToContainTextAsync($"at most {ChatWeb.Storage.PresetStore.MaxNameLength} are allowed");
        await Expect(page.GetByLabel("Name")).ToHaveValueAsync(tooLong);
        await Expect(page.GetByLabel("Name")).ToHaveAttributeAsync("aria-invalid", "true");
        await CheckAsync(page, $"admin-preset-refused-{size}", phone);

        await page.GotoAsync("/admin/api-keys");
        await Expect(page.Locator("h1")).ToContainTextAsync("API keys");
        await CheckAsync(page, $"admin-api-keys-{size}", phone);
        await context.CloseAsync();
    }

    private async Task CheckAsync(IPage page, string state, bool phone)
    {
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Axe.ScreenshotFolder(), $"{state}.png"), FullPage = true });
        await Axe.AssertNoSeriousViolationsAsync(page, state, output);
        if (phone)
            Assert.True(await page.EvaluateAsync<int>("() => document.scrollingElement.scrollWidth") <= 390, $"{state} is wider than the phone");
    }
}
