using System.Text.RegularExpressions;
using ChatWeb.Chat;
using ChatWeb.Chat.Transfer;
using ChatWeb.Storage;
using Microsoft.Extensions.AI;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ChatWeb.Tests.Browser;

/// <summary>
/// Search, pinning, date groups, branches and export/import in the drawer and on messages, as a person uses
/// them at 1280×800 and on a phone (390×844, touch; the conversation list in a drawer behind the menu button).
/// </summary>
[Collection(SessionBrowserCollection.Name)]
public sealed class ConversationManagementTests(SessionBrowserFixture fixture, ITestOutputHelper output)
{
    private static ILocator Answer(IPage page) => page.Locator(".message.assistant").Last;
    private static ILocator Sidebar(IPage page) => page.Locator("nav.conversation-list");
    private static ILocator Drawer(IPage page) => page.Locator("#conversations-drawer");

    private async Task<IPage> NewPersonAsync(bool phone)
    {
        var options = phone
            ? new BrowserNewContextOptions
            {
                ViewportSize = new ViewportSize { Width = 390, Height = 844 },
                DeviceScaleFactor = 3, IsMobile = true, HasTouch = true,
            }
            : new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } };
        options.BaseURL = fixture.App.BaseUri.ToString();
        return await fixture.OpenChatAsync(await fixture.Browser.NewContextAsync(options));
    }

    /// <summary>On a phone the list is in the closed drawer: the menu button opens it.</summary>
    private static async Task ShowListAsync(IPage page, bool phone)
    {
        if (phone && !await Drawer(page).EvaluateAsync<bool>("d => d.classList.contains('mud-drawer--open')"))
            await page.Locator("button.drawer-toggle").TapAsync();
        await Expect(Drawer(page)).ToBeInViewportAsync();
    }

    private static async Task SendAndWaitAsync(IPage page, string prompt)
    {
        await page.Locator("#prompt").FillAsync(prompt);
        await page.Locator("#prompt").PressAsync("Enter");
        await Expect(page.Locator(".message.user").Last).ToContainTextAsync(prompt);
        await Expect(Answer(page)).ToHaveAttributeAsync("data-status", "complete");
    }

    private static async Task NewChatAsync(IPage page)
    {
        await page.Locator("button.new-chat").ClickAsync();
        await Expect(page.Locator(".message")).ToHaveCountAsync(0);
    }

    private static async Task ImportAsync(IPage page, string file) =>
        await page.Locator(".conversation-list input[type=file]").Last.SetInputFilesAsync(file);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Search_FindsAMessage_AndOpensItsConversation(bool phone)
    {
        var page = await NewPersonAsync(phone);
        await SendAndWaitAsync(page, "my grandmother's quince jam recipe");
        await NewChatAsync(page);
        await SendAndWaitAsync(page, "hello");

        await ShowListAsync(page, phone);
        await page.Locator("#conversation-search").FillAsync("quinc");

        var hit = Sidebar(page).Locator(".search-hit");
        await Expect(hit).ToHaveCountAsync(1);
        await Expect(hit.Locator("mark")).ToHaveTextAsync("quince");
        await hit.Locator("button.open").ClickAsync();
        await Expect(page.Locator(".message.user .message-text")).ToHaveTextAsync("my grandmother's quince jam recipe");
        if (phone)
            await Expect(Drawer(page)).Not.ToBeInViewportAsync(); // the chosen conversation shows, not the list over it

        await ShowListAsync(page, phone);
        await page.Locator("#conversation-search").FillAsync("");
        await Expect(Sidebar(page).Locator(".group-name")).ToHaveTextAsync(["Today"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ARegeneratedAnswer_IsAVersion_AndTheChosenVersionSurvivesAReload(bool phone)
    {
        var page = await NewPersonAsync(phone);
        await SendAndWaitAsync(page, "hello");
        var first = await Answer(page).Locator(".message-text").InnerTextAsync();

        await Answer(page).Locator("button.regenerate").ClickAsync();
        await Expect(Answer(page).Locator(".branch-position")).ToHaveTextAsync("2/2");
        await Expect(Answer(page)).ToHaveAttributeAsync("data-status", "complete");

        await Answer(page).GetByRole(AriaRole.Button, new() { Name = "Previous version" }).ClickAsync();
        await Expect(Answer(page).Locator(".branch-position")).ToHaveTextAsync("1/2");
        await Expect(page).ToHaveURLAsync(new Regex("/c/"));
        await page.ReloadAsync();

        await Expect(Answer(page).Locator(".branch-position")).ToHaveTextAsync("1/2");
        await Expect(Answer(page).Locator(".message-text")).ToHaveTextAsync(first);
        await Expect(page.Locator(".message")).ToHaveCountAsync(2);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ExportThenImport_GivesTheSameConversation_AndABadFileIsRefused(bool phone)
    {
        var page = await NewPersonAsync(phone);
        await SendAndWaitAsync(page, "hello, export me");
        await SendAndWaitAsync(page, "explain please");
        var messages = await page.Locator(".message .message-text").AllInnerTextsAsync();

        await ShowListAsync(page, phone);
        await page.GetByRole(AriaRole.Button, new() { Name = "Export hello, export me" }).ClickAsync();
        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Menuitem, new() { Name = "JSON (.json)" }).ClickAsync());
        Assert.Equal("chatweb-hello-export-me.json", download.SuggestedFilename);
        var file = Path.Combine(fixture.DataFolder, $"export-{(phone ? "phone" : "desktop")}.json");
        await download.SaveAsAsync(file);

        // A second person imports the file: it becomes their conversation, and it opens.
        var other = await NewPersonAsync(phone);
        await ImportAsync(other, file);
        await Expect(other.Locator(".message .message-text")).ToHaveTextAsync(messages.ToArray());
        await Expect(other).ToHaveURLAsync(new Regex("/c/"));
        await Expect(Sidebar(other).Locator("li button.open")).ToHaveTextAsync(["hello, export me"]);

        await other.Locator(".conversation-list input[type=file]").Last.SetInputFilesAsync(new FilePayload
        {
            Name = "notes.json", MimeType = "application/json", Buffer = "{\"hello\": 1}"u8.ToArray(),
        });
        await Expect(other.Locator(".chat-notice")).ToContainTextAsync("is not a ChatWeb export");
        await Expect(Sidebar(other).Locator("li button.open")).ToHaveCountAsync(1);
    }

    /// <summary>An imported conversation last active <paramref name="daysAgo"/> days ago: a question and its answer.</summary>
    private static (StoredConversation, IReadOnlyList<StoredMessage>) Dated(string title, int daysAgo, bool pinned = false)
    {
        var at = DateTimeOffset.UtcNow.AddDays(-daysAgo);
        return (new StoredConversation("c", "someone", title, null, "{}", at, at, pinned),
        [
            new StoredMessage("q", ChatRole.User, title + "?", null, MessageStatus.Complete, null, at, at),
            new StoredMessage("a", ChatRole.Assistant, "An answer.", null, MessageStatus.Complete, null, at, at, ParentId: "q"),
        ]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task APopulatedList_PinnedGroupedAndWithVersions_KeepsTitlesWhole_AndPassesAxe(bool phone)
    {
        var state = phone ? "phone-conversation-list" : "desktop-conversation-list";
        var page = await NewPersonAsync(phone);
        var file = Path.Combine(fixture.DataFolder, $"{state}.json");
        await File.WriteAllBytesAsync(file, ConversationArchive.Write(
            [Dated("Garden plans for spring", 3, pinned: true), Dated("Yesterday's question", 1), Dated("Kites, long ago", 30)],
            DateTimeOffset.UtcNow));
        await ImportAsync(page, file);
        await Expect(page.Locator(".message.user .message-text")).ToHaveTextAsync("Garden plans for spring?");
        await NewChatAsync(page);
        await SendAndWaitAsync(page, "hello");
        await Answer(page).Locator("button.regenerate").ClickAsync();
        await Expect(Answer(page).Locator(".branch-position")).ToHaveTextAsync("2/2");
        await Expect(Answer(page)).ToHaveAttributeAsync("data-status", "complete");

        await ShowListAsync(page, phone);
        await Expect(Sidebar(page).Locator(".group-name")).ToHaveTextAsync(["Pinned", "Today", "Yesterday", "Older"]);
        await Expect(Sidebar(page).Locator("li button.open")).ToHaveTextAsync(["Garden plans for spring", "hello", "Yesterday's question", "Kites, long ago"]);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Unpin Garden plans for spring" })).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(Answer(page).Locator(".branch-nav")).ToBeVisibleAsync();

        // No icon cuts a title short: with a mouse the row's actions show over it on hover only; on a touch
        // screen they are always there, on a line of their own.
        var titles = Sidebar(page).Locator("li .title");
        Assert.All(await titles.EvaluateAllAsync<bool[]>("ts => ts.map(t => t.scrollWidth <= t.clientWidth)"), Assert.True);
        var actions = Sidebar(page).Locator("li .actions").Last;
        if (phone)
        {
            await Expect(actions).ToHaveCSSAsync("opacity", "1");
            await Expect(actions.Locator("button.rename")).ToBeInViewportAsync();
        }
        else
        {
            await Expect(actions).ToHaveCSSAsync("opacity", "0");
            await titles.Last.HoverAsync();
            await Expect(actions).ToHaveCSSAsync("opacity", "1");
        }

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Axe.ScreenshotFolder(), $"{state}.png") });
        await Axe.AssertNoSeriousViolationsAsync(page, state, output);
    }
}
