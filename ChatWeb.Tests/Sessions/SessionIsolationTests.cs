using System.Net;
using ChatWeb.Chat;
using ChatWeb.Storage;
using ChatWeb.Tests.Admin;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Sessions;

public sealed class SessionIsolationTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    /// <summary>Opens the chat in a new "browser" and returns it with the owner id the server gave its session.</summary>
    private async Task<(HttpClient Browser, string Owner)> NewBrowserAsync()
    {
        var browser = factory.NewBrowser();
        var response = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
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

        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".ChatWeb.Session="));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task SessionCookie_IsSecure_OutsideDevelopment()
    {
        await using var production = new ChatWebFactory { Environment = "Production" };
        using var browser = production.CreateClient(new() { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false });

        var response = await browser.GetAsync("/");

        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".ChatWeb.Session="));
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
