using System.Net;

namespace ChatWeb.Tests.Admin;

public sealed class AdminAuthTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    [Fact]
    public async Task Anonymous_IsSentToTheLoginPage()
    {
        using var client = factory.NewBrowser();

        var response = await client.GetAsync("/admin/presets");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/admin/login?", response.Headers.Location!.OriginalString);
        Assert.Contains("ReturnUrl=%2Fadmin%2Fpresets", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task WrongPassword_IsRefused_WithAMessage()
    {
        using var client = factory.NewBrowser();

        var response = await FormPost.SubmitAsync(client, "/admin/login", "login", ("Input.Name", ChatWebFactory.AdminName), ("Input.Password", "nope"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Wrong name or password.", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/admin")).StatusCode);
    }

    [Fact]
    public async Task NonAdmin_Gets403()
    {
        using var client = factory.NewBrowser();
        await FormPost.SignInAsync(client, ChatWebFactory.ViewerName, ChatWebFactory.ViewerPassword);

        var response = await client.GetAsync("/admin");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("may not use the admin pages", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Admin_SeesTheOverview_AndThePresets_AndCanSignOut()
    {
        using var client = factory.NewBrowser();
        await FormPost.SignInAsync(client, ChatWebFactory.AdminName, ChatWebFactory.AdminPassword);

        var overview = await client.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.OK, overview.StatusCode);
        var html = await overview.Content.ReadAsStringAsync();
        Assert.Contains("Conversations started today", html);
        Assert.Contains("Signed in as root", html);
        Assert.Contains("Default", await client.GetStringAsync("/admin/presets"));

        var signOut = await client.PostAsync("/admin/logout", new FormUrlEncodedContent(
            [new("__RequestVerificationToken", FormPost.Token(html))]));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/admin")).StatusCode);
    }

    [Fact]
    public async Task Overview_RefusesAShortPasswordForAHash_WithAMessageAtTheField()
    {
        using var client = factory.NewBrowser();
        await FormPost.SignInAsync(client, ChatWebFactory.AdminName, ChatWebFactory.AdminPassword);

        var response = await FormPost.SubmitAsync(client, "/admin", "hash", ("Password", "short"));

        var html = await response.Content.ReadAsStringAsync();
        Assert.Matches("id=\"hash-password-error\">Use a password of at least 8 characters.", html);
        Assert.DoesNotContain("class=\"hash\"", html);
    }

    [Fact]
    public async Task LoginWithoutAntiforgeryToken_IsRejected()
    {
        using var client = factory.NewBrowser();
        await client.GetAsync("/admin/login");

        var response = await FormPost.PostAsync(client, "/admin/login", "login", token: null,
            ("Input.Name", ChatWebFactory.AdminName), ("Input.Password", ChatWebFactory.AdminPassword));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/admin")).StatusCode);
    }

    [Fact]
    public async Task AdminFormWithoutAntiforgeryToken_ChangesNothing()
    {
        using var client = factory.NewBrowser();
        await FormPost.SignInAsync(client, ChatWebFactory.AdminName, ChatWebFactory.AdminPassword);

        var response = await FormPost.PostAsync(client, "/admin/presets", "new-preset", token: null,
            ("Input.Name", "Forged"), ("Input.Text", "forged"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("Forged", await client.GetStringAsync("/admin/presets"));
    }

    [Fact]
    public async Task LoginRedirect_GoesOnlyToPagesOfThisSite()
    {
        using var client = factory.NewBrowser();
        var html = await client.GetStringAsync("/admin/login?ReturnUrl=//evil.example/");

        var response = await FormPost.PostAsync(client, "/admin/login?ReturnUrl=//evil.example/", "login", FormPost.Token(html),
            ("Input.Name", ChatWebFactory.AdminName), ("Input.Password", ChatWebFactory.AdminPassword));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/admin", response.Headers.Location!.OriginalString.Replace("http://localhost", ""));
    }
}
