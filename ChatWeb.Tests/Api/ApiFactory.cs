using System.Net.Http.Headers;
using ChatWeb.Api.Access;
using ChatWeb.Tests.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Api;

/// <summary>
/// ChatWeb in memory with one API key configured (<see cref="Key"/>), the demo assistant at full
/// speed, and a fresh data folder per host. <see cref="With"/> swaps the chat client or adds settings
/// for one test.
/// </summary>
public sealed class ApiFactory : WebApplicationFactory<Program>
{
    public const string Key = "test-key-for-chatweb";

    private readonly List<TempDataFolder> _folders = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var folder = new TempDataFolder();
        lock (_folders)
            _folders.Add(folder);
        builder.UseSetting("ChatWeb:Storage:DataFolder", folder.Path);
        builder.UseSetting("ChatWeb:Demo:WordDelayMs", "0");
        builder.UseSetting("ChatWeb:Api:Keys:0:Name", "tests");
        builder.UseSetting("ChatWeb:Api:Keys:0:Sha256", ApiKeyRing.Hash(Key));
    }

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

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        lock (_folders)
            _folders.ForEach(f => f.Dispose());
    }

    public static HttpClient Keyed(HttpClient client)
    {
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return client;
    }
}
