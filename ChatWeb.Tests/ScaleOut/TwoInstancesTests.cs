using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatWeb.Tests.ScaleOut;

/// <summary>Two instances on one PostgreSQL and one Redis: a person may be served by either.</summary>
[Collection(TwoInstancesCollection.Name)]
public sealed class TwoInstancesTests(TwoInstancesFixture fixture) : IClassFixture<TwoInstancesFixture>
{
    private static ILocator Answer(IPage page) => page.Locator(".message.assistant").Last;

    private static async Task SendAndWaitAsync(IPage page, string prompt)
    {
        await page.Locator("#prompt").FillAsync(prompt);
        await page.Locator("#prompt").PressAsync("Enter");
        await Expect(page.Locator(".message.user").Last).ToContainTextAsync(prompt);
        await Expect(Answer(page)).ToHaveAttributeAsync("data-status", "complete", new() { Timeout = 30_000 });
    }

    [Fact]
    public async Task ASessionStartedOnA_ContinuesOnB_WithItsHistory()
    {
        // Both instances listen on 127.0.0.1, so the browser sends A's cookie to B as it would to any instance behind one name.
        var person = await fixture.NewPersonAsync(fixture.A.BaseUri);
        var onA = await TwoInstancesFixture.OpenChatAsync(person);
        await SendAndWaitAsync(onA, "hello from instance A");
        await Expect(onA).ToHaveURLAsync(new Regex("/c/[A-Za-z0-9_-]{22}$"));
        var conversation = new Uri(onA.Url).AbsolutePath;

        var onB = await TwoInstancesFixture.OpenChatAsync(person, new Uri(fixture.B.BaseUri, conversation).ToString());

        await Expect(onB.Locator("nav.conversation-list")).ToContainTextAsync("hello from instance A");
        await Expect(onB.Locator(".message.user").First).ToContainTextAsync("hello from instance A");
        await Expect(Answer(onB)).ToContainTextAsync("demo assistant");
        await SendAndWaitAsync(onB, "and now tell me about streaming");
        await onA.ReloadAsync();
        await Expect(onA.Locator(".message.user").Last).ToContainTextAsync("and now tell me about streaming");
    }

    [Fact]
    public async Task APresetEditedOnA_IsUsedByBsNextAnswer()
    {
        var user = await TwoInstancesFixture.OpenChatAsync(await fixture.NewPersonAsync(fixture.B.BaseUri));

        var admin = await (await fixture.NewPersonAsync(fixture.A.BaseUri)).NewPageAsync();
        await admin.GotoAsync("/admin/presets");
        await admin.GetByLabel("Name").FillAsync(TwoInstancesFixture.AdminName);
        await admin.GetByLabel("Password").FillAsync(TwoInstancesFixture.AdminPassword);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(admin).ToHaveURLAsync(new Regex("/admin/presets$"));
        await admin.Locator("tr:has(.default-badge) a").ClickAsync();
        await admin.Locator("textarea[name='Input.Text']").FillAsync("You are a lighthouse keeper. Speak of the sea.");
        await admin.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Save as version") }).ClickAsync();
        await Expect(admin.Locator(".admin-done")).ToContainTextAsync("Saved as version");

        // B's page, open since before the edit, hears of it (Redis) and its next answer uses it (PostgreSQL).
        await Expect(user.Locator(".system-prompt pre")).ToHaveTextAsync("You are a lighthouse keeper. Speak of the sea.");
        await SendAndWaitAsync(user, "What is your system prompt?");
        await Expect(Answer(user)).ToContainTextAsync("My system prompt says: You are a lighthouse keeper. Speak of the sea.");
    }
}

/// <summary>An instance dies in the middle of an answer: the person, through nginx, carries on at the other.</summary>
[Collection(TwoInstancesCollection.Name)]
public sealed class InstanceFailoverTests(TwoInstancesFixture fixture) : IClassFixture<TwoInstancesFixture>
{
    [Fact]
    public async Task TheInstanceKilledDuringAnAnswer_ThePersonLandsOnTheOther_WithTheHistory_AndTheCutAnswerMarkedInterrupted()
    {
        var page = await TwoInstancesFixture.OpenChatAsync(await fixture.NewPersonAsync(fixture.Nginx.BaseUri, "failover-person"));
        await page.Locator("#prompt").FillAsync("write me something long");
        await page.Locator("#prompt").PressAsync("Enter");
        var answer = page.Locator(".message.assistant").Last;
        await Expect(answer).ToHaveAttributeAsync("data-status", "streaming");
        await Expect(answer).ToContainTextAsync("tour of markdown");
        // A save of the growing answer (at most once a second) has reached the database.
        await fixture.WaitUntilStoredAsync("tour of markdown");
        await Expect(page).ToHaveURLAsync(new Regex("/c/[A-Za-z0-9_-]{22}$"));
        var conversation = new Uri(page.Url).AbsolutePath;

        var serving = fixture.CircuitInstance("failover-person");
        await fixture.KillAsync(serving);
        // The person opens the conversation again (the dead page would reload itself, racing a navigation of ours):
        // nginx now sends them to the other instance.
        await page.CloseAsync();
        page = await TwoInstancesFixture.OpenChatAsync(answer.Page.Context, conversation);

        await Expect(page.Locator(".message.user").Last).ToContainTextAsync("write me something long");
        var cut = page.Locator(".message.assistant").Last;
        await Expect(cut).ToHaveAttributeAsync("data-status", "interrupted");
        await Expect(cut).ToContainTextAsync("tour of markdown");
    }
}
