using System.Net;
using ChatWeb.Chat;
using ChatWeb.Storage;
using ChatWeb.Tests.Admin;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Sessions;

public sealed class SessionIsolationTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    /// <summary>Opens the chat in a new "browser" and returns it with the owner id the server gave its session.</summary>
    private async Task<(HttpClient Browser, string Owner)> NewBrowserAsync()
    {
        var browser = factory.NewBrowser();
        // The first view only hands out the cookie; coming back with it records the session.
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/")).StatusCode);
        using var db = factory.Services.GetRequiredService<ChatDatabase>().Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT owner FROM sessions ORDER BY created_at DESC, rowid DESC LIMIT 1";
        return (browser, (string)command.ExecuteScalar()!);
    }

    [Fact]
    public async Task SessionCookie_IsHttpOnly_AndSameSiteLax()
    {
        using var browser = factory.NewBrowser();

        var response = await browser.GetAsync("/");

        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".ChatWeb.Owner="));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task SessionCookie_IsSecure_OutsideDevelopment()
    {
        await using var production = new ChatWebFactory { Environment = "Production" };
        using var browser = production.CreateClient(new() { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false });

        var response = await browser.GetAsync("/");

        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".ChatWeb.Owner="));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task EachBrowser_SeesOnlyItsOwnConversations_EvenWithTheId()
    {
        var (alice, aliceOwner) = await NewBrowserAsync();
        var (bob, bobOwner) = await NewBrowserAsync();
        Assert.NotEqual(aliceOwner, bobOwner);
        var store = factory.Services.GetRequiredService<ConversationStore>();
        var chat = store.Create(aliceOwner, "Alice's plans");
        store.AddMessage(aliceOwner, chat.Id, ChatRole.User, "alpha secret", MessageStatus.Complete);

        var aliceView = WebUtility.HtmlDecode(await alice.GetStringAsync($"/c/{chat.Id}"));
        var bobView = WebUtility.HtmlDecode(await bob.GetStringAsync($"/c/{chat.Id}"));

        Assert.Contains("alpha secret", aliceView);
        Assert.Contains("Alice's plans", aliceView);
        Assert.DoesNotContain("alpha secret", bobView);
        Assert.DoesNotContain("Alice's plans", bobView);
        Assert.Contains("does not exist, or it belongs to another browser", bobView);
        Assert.DoesNotContain("Alice's plans", WebUtility.HtmlDecode(await bob.GetStringAsync("/")));
    }

    private long Rows(string table)
    {
        using var db = factory.Services.GetRequiredService<ChatDatabase>().Open();
        using var command = db.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table}";
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public async Task CookielessPageViews_WriteNoDatabaseRows()
    {
        using var crawler = factory.CreateClient(new() { HandleCookies = false });
        var before = (Sessions: Rows("sessions"), Cache: Rows("session_cache"));

        for (var i = 0; i < 20; i++)
            Assert.Equal(HttpStatusCode.OK, (await crawler.GetAsync(i % 2 == 0 ? "/" : "/c/AAAAAAAAAAAAAAAAAAAAAA")).StatusCode);

        Assert.Equal(before, (Rows("sessions"), Rows("session_cache")));
    }

    [Fact]
    public async Task PageViews_PastTheLimitPerAddress_Get429_WithRetryAfter()
    {
        await using var app = new ChatWebFactory();
        using var client = app.WithWebHostBuilder(b => b.UseSetting("ChatWeb:Sessions:PageRequestsPerMinutePerAddress", "3")).CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
            statuses.Add((await client.GetAsync("/")).StatusCode);
        var refused = await client.GetAsync("/");

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Contains("Too many page requests", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task TheSameBrowser_KeepsItsSession_AcrossRequests()
    {
        var (browser, owner) = await NewBrowserAsync();
        var chat = factory.Services.GetRequiredService<ConversationStore>().Create(owner, "Still mine");

        var again = WebUtility.HtmlDecode(await browser.GetStringAsync($"/c/{chat.Id}"));

        Assert.Contains("Still mine", again);
        Assert.DoesNotContain("does not exist", again);
    }
}
