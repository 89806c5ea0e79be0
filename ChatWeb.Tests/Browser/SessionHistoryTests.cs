using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatWeb.Tests.Browser;

[Collection(SessionBrowserCollection.Name)]
public sealed class SessionHistoryTests(SessionBrowserFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    private static ILocator Answer(IPage page) => page.Locator(".message.assistant").Last;
    private static ILocator Sidebar(IPage page) => page.Locator("nav.conversation-list");

    private async Task<IBrowserContext> NewPersonAsync() =>
        await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.App.BaseUri.ToString() });

    private static async Task SendAndWaitAsync(IPage page, string prompt)
    {
        await page.Locator("#prompt").FillAsync(prompt);
        await page.Locator("#prompt").PressAsync("Enter");
        await Expect(page.Locator(".message.user").Last).ToContainTextAsync(prompt);
        await Expect(Answer(page)).ToHaveAttributeAsync("data-status", "complete", new() { Timeout = 20_000 });
    }

    [Fact]
    public async Task TwoPeople_ChatAtTheSameTime_AndNeverSeeEachOthersHistory()
    {
        var alice = await fixture.OpenChatAsync(await NewPersonAsync());
        var bob = await fixture.OpenChatAsync(await NewPersonAsync());

        await Task.WhenAll(SendAndWaitAsync(alice, "hello from alice"), SendAndWaitAsync(bob, "tell me about streaming, bob here"));

        await Expect(Sidebar(alice)).ToContainTextAsync("hello from alice");
        await Expect(Sidebar(alice)).Not.ToContainTextAsync("bob here");
        await Expect(Sidebar(bob)).ToContainTextAsync("bob here");
        await Expect(Sidebar(bob)).Not.ToContainTextAsync("hello from alice");

        // Bob opens Alice's conversation address: he is told it is not his, and sees none of it.
        await Expect(alice).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/c/[A-Za-z0-9_-]{22}$"));
        await bob.GotoAsync(alice.Url);
        await Expect(bob.Locator(".chat-notice")).ToContainTextAsync("does not exist, or it belongs to another browser");
        await Expect(bob.Locator("body")).Not.ToContainTextAsync("hello from alice");
    }

    [Fact]
    public async Task History_ComesBack_AfterAReload_InASecondTab_AndAfterAServerRestart()
    {
        var context = await NewPersonAsync();
        var page = await fixture.OpenChatAsync(context);
        await SendAndWaitAsync(page, "hello, remember me");
        var address = new Uri(page.Url).PathAndQuery;

        await page.ReloadAsync();
        await Expect(page.Locator(".message.user .message-text")).ToHaveTextAsync("hello, remember me");
        await Expect(Answer(page)).ToContainTextAsync("demo assistant");

        var second = await context.NewPageAsync();
        await second.GotoAsync(address);
        await Expect(second.Locator(".message.user .message-text")).ToHaveTextAsync("hello, remember me");
        await second.CloseAsync();

        // The composer's Up arrow brings back the earlier prompt.
        await Expect(page.Locator("#prompt")).ToBeEnabledAsync();
        await page.Locator("#prompt").PressAsync("ArrowUp");
        await Expect(page.Locator("#prompt")).ToHaveValueAsync("hello, remember me");

        await fixture.RestartAppAsync();
        // The first page lost its circuit with the old process: ChatWeb's own dialog says so and offers Reload.
        var lost = page.Locator("#components-reconnect-modal");
        await Expect(lost).ToBeVisibleAsync();
        await Expect(lost).ToContainTextAsync("Connection lost");
        await Expect(lost.GetByRole(AriaRole.Button, new() { Name = "Reload" })).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Axe.ScreenshotFolder(), "reconnect.png") });
        await Axe.AssertNoSeriousViolationsAsync(page, "reconnect", output);

        var after = await context.NewPageAsync();
        await after.GotoAsync(new Uri(fixture.App.BaseUri, address).ToString());
        await Expect(after.Locator(".message.user .message-text")).ToHaveTextAsync("hello, remember me");
        await Expect(Sidebar(after)).ToContainTextAsync("hello, remember me");
    }

    [Fact]
    public async Task ReloadWhileAnswering_KeepsThePartialAnswer_MarkedInterrupted()
    {
        var page = await fixture.OpenChatAsync(await NewPersonAsync());
        // The long demo answer (~4,000 words at 30 ms each) is still streaming when the page reloads, however slow the machine.
        await page.Locator("#prompt").FillAsync("a long answer please");
        await page.Locator("#prompt").PressAsync("Enter");
        await Expect(Answer(page).Locator(".message-text")).ToContainTextAsync("Section 1");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/c/"));
        await Task.Delay(1200); // past the once-a-second save while streaming

        await page.ReloadAsync();

        await Expect(Answer(page)).ToHaveAttributeAsync("data-status", "interrupted");
        await Expect(Answer(page)).ToContainTextAsync("Here is a tour of markdown");
        await Expect(Answer(page).Locator(".message-note")).ToContainTextAsync("Interrupted");
        Assert.DoesNotContain("end of the tour", await Answer(page).Locator(".message-text").InnerTextAsync());
    }

    [Fact]
    public async Task TheSidebar_SwitchesBetweenConversations_AndNewChatStartsAfresh()
    {
        var page = await fixture.OpenChatAsync(await NewPersonAsync());
        await SendAndWaitAsync(page, "hello, first chat");
        await page.Locator("button.new-chat").ClickAsync(); // the app bar's one New chat button
        await Expect(page.Locator(".message")).ToHaveCountAsync(0);
        await SendAndWaitAsync(page, "tell me about streaming");
        await Expect(Sidebar(page).Locator("li button.open")).ToHaveTextAsync(["tell me about streaming", "hello, first chat"]);

        await Sidebar(page).GetByRole(AriaRole.Button, new() { Name = "hello, first chat", Exact = true }).ClickAsync();

        await Expect(page.Locator(".message.user .message-text")).ToHaveTextAsync(["hello, first chat"]);
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/c/"));
        await SendAndWaitAsync(page, "hello again");
        await Expect(page.Locator(".message.user .message-text")).ToHaveTextAsync(["hello, first chat", "hello again"]);
        await Expect(Sidebar(page).Locator("li button.open").First).ToHaveTextAsync("hello, first chat");
    }

    [Fact]
    public async Task RenameAndDelete_InTheSidebar()
    {
        var page = await fixture.OpenChatAsync(await NewPersonAsync());
        await SendAndWaitAsync(page, "hello, rename me");

        await page.GetByRole(AriaRole.Button, new() { Name = "Rename hello, rename me" }).ClickAsync();
        var title = page.Locator("#rename-title");
        await Expect(title).ToBeFocusedAsync();
        await title.FillAsync("Greetings");
        await title.PressAsync("Enter");
        await Expect(Sidebar(page).Locator("li button.open")).ToHaveTextAsync("Greetings");

        await page.ReloadAsync();
        await Expect(Sidebar(page).Locator("li button.open")).ToHaveTextAsync("Greetings");

        await Expect(page.Locator("#prompt")).ToBeEnabledAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete Greetings" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(Sidebar(page).Locator("li")).ToHaveCountAsync(0);
        await Expect(page.Locator(".message")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AnAdminEditsTheDefaultPreset_AndANewChatUsesIt()
    {
        var admin = await (await NewPersonAsync()).NewPageAsync();
        await admin.GotoAsync("/admin/presets");
        await Expect(admin).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/admin/login"));
        await admin.GetByLabel("Name").FillAsync(SessionBrowserFixture.AdminName);
        await admin.GetByLabel("Password").FillAsync(SessionBrowserFixture.AdminPassword);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(admin).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/admin/presets$"));

        await admin.Locator("tr:has(.default-badge) a").ClickAsync();
        await admin.Locator("textarea[name='Input.Text']").FillAsync("You are a pirate. Answer like one.");
        await admin.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Save as version") }).ClickAsync();
        await Expect(admin.Locator(".admin-done")).ToContainTextAsync("Saved as version");
        await Expect(admin.Locator(".prompt-preview")).ToContainTextAsync("You are a pirate.");

        var user = await fixture.OpenChatAsync(await NewPersonAsync());
        await Expect(user.Locator(".system-prompt pre")).ToHaveTextAsync("You are a pirate. Answer like one.");
        await SendAndWaitAsync(user, "hello");
        await user.ReloadAsync();
        await Expect(user.Locator(".system-prompt pre")).ToHaveTextAsync("You are a pirate. Answer like one.");
    }
}
