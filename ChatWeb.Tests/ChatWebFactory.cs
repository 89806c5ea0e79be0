using System.Net.Http.Headers;
using ChatWeb.Admin;
using ChatWeb.Api.Access;
using ChatWeb.Tests.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests;

/// <summary>
/// ChatWeb in memory, the one host for web and API tests: a fresh data folder per host, the demo
/// assistant at full speed, an admin and a non-admin account, and (unless <see cref="ApiKeys"/> is false) one
/// API key (<see cref="Key"/>). <see cref="With"/> swaps the chat client or adds settings for one test.
/// </summary>
public sealed class ChatWebFactory : WebApplicationFactory<Program>
{
    public const string AdminName = "root", AdminPassword = "admin-password-1";
    public const string ViewerName = "viewer", ViewerPassword = "viewer-password-1";
    public const string Key = "test-key-for-chatweb";

    private readonly List<TempDataFolder> _folders = [];

    /// <summary>False runs without API keys (the API is then open to loopback callers only).</summary>
    public bool ApiKeys { get; init; } = true;

    /// <summary>The environment to run in; "Production" turns on Secure cookies.</summary>
    public string Environment { get; init; } = "Development";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var folder = new TempDataFolder();
        lock (_folders)
            _folders.Add(folder);
        builder.UseEnvironment(Environment);
        builder.UseSetting("ChatWeb:Storage:DataFolder", folder.Path);
        builder.UseSetting("ChatWeb:Demo:WordDelayMs", "0");
        builder.UseSetting("ChatWeb:Admin:Accounts:0:Name", AdminName);
        builder.UseSetting("ChatWeb:Admin:Accounts:0:PasswordHash", PasswordHasher.Hash(AdminPassword, 1000));
        builder.UseSetting("ChatWeb:Admin:Accounts:1:Name", ViewerName);
        builder.UseSetting("ChatWeb:Admin:Accounts:1:PasswordHash", PasswordHasher.Hash(ViewerPassword, 1000));
        builder.UseSetting("ChatWeb:Admin:Accounts:1:IsAdmin", "false");
        if (ApiKeys)
        {
            builder.UseSetting("ChatWeb:Api:Keys:0:Name", "tests");
            builder.UseSetting("ChatWeb:Api:Keys:0:Sha256", ApiKeyRing.Hash(Key));
        }
    }

    /// <summary>A client that keeps cookies and does not follow redirects (tests look at them).</summary>
    public HttpClient NewBrowser() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>A client that sends the configured key.</summary>
    public HttpClient CreateKeyedClient() => Keyed(CreateClient());

    public WebApplicationFactory<Program> With(IChatClient? chatClient = null, IReadOnlyDictionary<string, string>? settings = null) =>
        WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
                builder.UseSetting(key, value);
            if (chatClient is not null)
                builder.ConfigureTestServices(services => services.AddSingleton(chatClient));
        });

    public static HttpClient Keyed(HttpClient client)
    {
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        lock (_folders)
            _folders.ForEach(f => f.Dispose());
    }
}
