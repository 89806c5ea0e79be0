using System.Net;
using ChatWeb.Admin;
using ChatWeb.Storage;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Admin;

/// <summary>Guessing passwords, a left-over generated account, and redirects built from the Host header.</summary>
public sealed class SignInHardeningTests : IDisposable
{
    private readonly ChatWebFactory _factory = new();
    private readonly ManualTimeProvider _clock = new();

    public void Dispose() => _factory.Dispose();

    private HttpClient Browser() => _factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(_clock)))
        .CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });

    private static async Task<(HttpStatusCode Status, string Html)> SignInAsync(HttpClient client, string name, string password)
    {
        var response = await FormPost.SubmitAsync(client, "/admin/login", "login", ("Input.Name", name), ("Input.Password", password));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AfterFiveWrongPasswords_EvenTheRightOneIsRefused_UntilTheLockoutHasPassed()
    {
        using var client = Browser();
        for (var i = 0; i < 5; i++)
            Assert.Contains("Wrong name or password.", (await SignInAsync(client, ChatWebFactory.AdminName, $"guess-{i}")).Html);

        var locked = await SignInAsync(client, ChatWebFactory.AdminName, ChatWebFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.OK, locked.Status);
        Assert.Contains("Too many failed sign-ins; try again in 15 min.", locked.Html);

        _clock.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(client, ChatWebFactory.AdminName, ChatWebFactory.AdminPassword)).Status);
    }

    [Fact]
    public async Task OneAddressGuessingManyNames_IsLockedOut_AfterTwentyFailures()
    {
        using var client = Browser();
        for (var i = 0; i < 20; i++)
            await SignInAsync(client, $"name-{i}", "guess");

        var locked = await SignInAsync(client, ChatWebFactory.AdminName, ChatWebFactory.AdminPassword);

        Assert.Contains("Too many failed sign-ins", locked.Html);
    }

    [Fact]
    public async Task UnknownNames_AreLockedOutLikeRealOnes_SoTheLockDoesNotRevealWhichNamesExist()
    {
        using var client = Browser();
        for (var i = 0; i < 5; i++)
            await SignInAsync(client, "nobody-here", "guess");

        Assert.Contains("Too many failed sign-ins", (await SignInAsync(client, "nobody-here", "guess")).Html);
    }

    [Fact]
    public async Task TheGeneratedAdminAccount_CannotSignIn_OnceAccountsAreConfigured()
    {
        using var client = Browser();
        // As left by an earlier first run without configured accounts (its password went to the log).
        _factory.Services.GetRequiredService<AccountStore>().Add(InitialAdminSetup.Name, PasswordHasher.Hash("from-an-old-log", 1000), isAdmin: true);

        var attempt = await SignInAsync(client, InitialAdminSetup.Name, "from-an-old-log");

        Assert.Equal(HttpStatusCode.OK, attempt.Status);
        Assert.Contains("Wrong name or password.", attempt.Html);
    }

    [Theory]
    [InlineData("/admin")]
    [InlineData("/admin/presets")]
    public async Task RedirectsToTheLoginPage_NeverNameTheHostTheClientSent(string page)
    {
        using var client = Browser();
        var request = new HttpRequestMessage(HttpMethod.Get, page);
        request.Headers.Host = "evil.example";

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.False(response.Headers.Location!.IsAbsoluteUri, $"Location is {response.Headers.Location}");
        Assert.StartsWith("/admin/login", response.Headers.Location.OriginalString);
    }

    [Fact]
    public async Task TheRedirectAfterSigningIn_NeverNamesTheHostTheClientSent()
    {
        using var client = Browser();
        var html = await client.GetStringAsync("/admin/login");
        var request = new HttpRequestMessage(HttpMethod.Post, "/admin/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "login", ["__RequestVerificationToken"] = FormPost.Token(html),
                ["Input.Name"] = ChatWebFactory.AdminName, ["Input.Password"] = ChatWebFactory.AdminPassword,
            }),
        };
        request.Headers.Host = "evil.example";

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.DoesNotContain("evil.example", response.Headers.Location!.OriginalString);
    }
}
