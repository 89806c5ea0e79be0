using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatWeb.Tests.Browser;

/// <summary>Search, pinning, branches and export/import in the sidebar and on messages, as a person uses them.</summary>
[Collection(SessionBrowserCollection.Name)]
public sealed class ConversationManagementTests(SessionBrowserFixture fixture)
{
    private static ILocator Answer(IPage page) => page.Locator(".message.assistant").Last;
    private static ILocator Sidebar(IPage page) => page.Locator("nav.conversation-list");

    private async Task<IPage> NewPersonAsync() =>
        await fixture.OpenChatAsync(await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.App.BaseUri.ToString() }));

    private static async Task SendAndWaitAsync(IPage page, string prompt)
    {
        await page.Locator("#prompt").FillAsync(prompt);
        await page.Locator("#prompt").PressAsync("Enter");
        await Expect(page.Locator(".message.user").Last).ToContainTextAsync(prompt);
        await Expect(Answer(page)).ToHaveAttributeAsync("data-status", "complete", new() { Timeout = 20_000 });
    }

    private static async Task NewChatAsync(IPage page)
    {
        await Sidebar(page).Locator(".start-chat").ClickAsync();
        await Expect(page.Locator(".message")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Search_FindsAMessage_AndOpensItsConversation()
    {
        var page = await NewPersonAsync();
        await SendAndWaitAsync(page, "my grandmother's quince jam recipe");
        await NewChatAsync(page);
        await SendAndWaitAsync(page, "hello");

        await page.Locator("#conversation-search").FillAsync("quinc");

        var hit = Sidebar(page).Locator(".search-hit");
        await Expect(hit).ToHaveCountAsync(1);
        await Expect(hit.Locator("mark")).ToHaveTextAsync("quince");
        await hit.Locator("button.open").ClickAsync();
        await Expect(page.Locator(".message.user .message-text")).ToHaveTextAsync("my grandmother's quince jam recipe");

        await page.Locator("#conversation-search").FillAsync("");
        await Expect(Sidebar(page).Locator(".group-name")).ToHaveTextAsync(["Today"]);
    }

    [Fact]
    public async Task APinnedConversation_StaysOnTop_AfterAReload()
    {
        var page = await NewPersonAsync();
        await SendAndWaitAsync(page, "hello, pin me");
        await NewChatAsync(page);
        await SendAndWaitAsync(page, "hello, keep this title whole");

        await page.GetByRole(AriaRole.Button, new() { Name = "Pin hello, pin me" }).ClickAsync();
        await page.ReloadAsync();

        await Expect(Sidebar(page).Locator(".group-name")).ToHaveTextAsync(["Pinned", "Today"]);
        await Expect(Sidebar(page).Locator("li button.open")).ToHaveTextAsync(["hello, pin me", "hello, keep this title whole"]);
        // The row's actions appear on hover only, so they never cut the title short.
        var title = Sidebar(page).Locator("li .title").Last;
        await Expect(Sidebar(page).Locator("li .actions").Last).ToHaveCSSAsync("opacity", "0");
        Assert.True(await title.EvaluateAsync<bool>("t => t.scrollWidth <= t.clientWidth"), "the title is cut short");
        await title.HoverAsync();
        await Expect(Sidebar(page).Locator("li .actions").Last).ToHaveCSSAsync("opacity", "1");
    }

    [Fact]
    public async Task ARegeneratedAnswer_IsAVersion_AndTheChosenVersionSurvivesAReload()
    {
        var page = await NewPersonAsync();
        await SendAndWaitAsync(page, "hello");
        var first = await Answer(page).Locator(".message-text").InnerTextAsync();

        await Answer(page).Locator("button.regenerate").ClickAsync();
        await Expect(Answer(page).Locator(".branch-position")).ToHaveTextAsync("2/2");
        await Expect(Answer(page)).ToHaveAttributeAsync("data-status", "complete", new() { Timeout = 20_000 });

        await Answer(page).GetByRole(AriaRole.Button, new() { Name = "Previous version" }).ClickAsync();
        await Expect(Answer(page).Locator(".branch-position")).ToHaveTextAsync("1/2");
        await Expect(page).ToHaveURLAsync(new Regex("/c/"));
        await page.ReloadAsync();

        await Expect(Answer(page).Locator(".branch-position")).ToHaveTextAsync("1/2");
        await Expect(Answer(page).Locator(".message-text")).ToHaveTextAsync(first);
        await Expect(page.Locator(".message")).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task ExportThenImport_GivesTheSameConversation_AndABadFileIsRefused()
    {
        var page = await NewPersonAsync();
        await SendAndWaitAsync(page, "hello, export me");
        await SendAndWaitAsync(page, "explain please");
        var messages = await page.Locator(".message .message-text").AllInnerTextsAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Export hello, export me" }).ClickAsync();
        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Menuitem, new() { Name = "JSON (.json)" }).ClickAsync());
        Assert.Equal("chatweb-hello-export-me.json", download.SuggestedFilename);
        var file = Path.Combine(fixture.DataFolder, "export.json");
        await download.SaveAsAsync(file);

        // A second person imports the file: it becomes their conversation, and it opens.
        var other = await NewPersonAsync();
        await other.Locator(".conversation-list input[type=file]").Last.SetInputFilesAsync(file);
        await Expect(Sidebar(other).Locator("li button.open")).ToHaveTextAsync(["hello, export me"]);
        await Expect(other.Locator(".message .message-text")).ToHaveTextAsync(messages.ToArray());
        await Expect(other).ToHaveURLAsync(new Regex("/c/"));

        await other.Locator(".conversation-list input[type=file]").Last.SetInputFilesAsync(new FilePayload
        {
            Name = "notes.json", MimeType = "application/json", Buffer = "{\"hello\": 1}"u8.ToArray(),
        });
        await Expect(other.Locator(".chat-notice")).ToContainTextAsync("is not a ChatWeb export");
        await Expect(Sidebar(other).Locator("li button.open")).ToHaveCountAsync(1);
    }
}
