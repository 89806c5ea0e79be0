using ChatWeb.Admin;
using ChatWeb.Tests.Browser;
using ChatWeb.Tests.Storage;
using Microsoft.Playwright;
using Npgsql;

namespace ChatWeb.Tests.ScaleOut;

/// <summary>
/// Two ChatWeb processes (A and B) sharing one PostgreSQL database and one Redis, each with a data folder of its
/// own (nothing is shared through files), nginx in front configured as docs/deploy.md shows (sticky by the session
/// cookie; the other instance takes over when one is down), and one headless Chromium.
/// </summary>
public sealed class TwoInstancesFixture : IAsyncLifetime
{
    public const string AdminName = "root";
    public const string AdminPassword = "scale-out-admin-password";

    private static readonly string AdminHash = PasswordHasher.Hash(AdminPassword, iterations: 1000);

    private readonly List<string> _folders = [];
    private readonly PostgresTestDatabase _database = new();
    private IPlaywright? _playwright;

    public RedisServer Redis { get; private set; } = null!;
    public AppServer A { get; private set; } = null!;
    public AppServer B { get; private set; } = null!;
    public NginxServer Nginx { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    private Dictionary<string, string> Settings()
    {
        var folder = Path.Combine(Path.GetTempPath(), "chatweb-scale-" + Guid.NewGuid().ToString("N"));
        _folders.Add(folder);
        return new()
        {
            ["ChatWeb:Demo:WordDelayMs"] = "60",
            ["ChatWeb:Storage:DataFolder"] = folder,
            ["ChatWeb:Storage:Provider"] = "Postgres",
            ["ChatWeb:Storage:ConnectionString"] = _database.ConnectionString,
            ["ChatWeb:Redis:Configuration"] = Redis.Configuration,
            ["ChatWeb:Admin:Accounts:0:Name"] = AdminName,
            ["ChatWeb:Admin:Accounts:0:PasswordHash"] = AdminHash,
        };
    }

    public async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(30_000);
        Redis = await RedisServer.StartAsync();
        A = await AppServer.StartAsync(Settings());
        B = await AppServer.StartAsync(Settings());
        Nginx = await NginxServer.StartAsync([Authority(A), Authority(B)]);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(Chromium.LaunchOptions());
    }

    private static string Authority(AppServer app) => app.BaseUri.Authority;

    /// <summary>
    /// A new person (own cookies) whose pages open at <paramref name="at"/>; their browser's user agent is
    /// <paramref name="name"/>, so nginx's log tells their requests apart.
    /// </summary>
    public Task<IBrowserContext> NewPersonAsync(Uri at, string? name = null) =>
        Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = at.ToString(), UserAgent = name });

    /// <summary>The instance that nginx sent <paramref name="person"/>'s latest circuit to (its <c>/_blazor/negotiate</c>).</summary>
    public AppServer CircuitInstance(string person)
    {
        var negotiate = Nginx.Requests().Last(r => r.UserAgent == person && r.Path == "/_blazor/negotiate");
        return negotiate.Upstream == Authority(A) ? A : negotiate.Upstream == Authority(B) ? B
            : throw new InvalidOperationException($"nginx sent {person}'s circuit to {negotiate.Upstream}, neither A nor B.");
    }

    /// <summary>A page at the chat, once its circuit is interactive.</summary>
    public static async Task<IPage> OpenChatAsync(IBrowserContext context, string address = "/")
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(address);
        await Assertions.Expect(page.Locator("#prompt")).ToBeEnabledAsync();
        return page;
    }

    /// <summary>Waits until a stored message's text contains <paramref name="text"/>.</summary>
    public async Task WaitUntilStoredAsync(string text)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM messages WHERE text LIKE @text", connection);
            command.Parameters.AddWithValue("text", $"%{text}%");
            if (Convert.ToInt64(await command.ExecuteScalarAsync()) > 0)
                return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"No stored message contains \"{text}\" after 30 s.");
    }

    private AppServer? _killed;

    /// <summary>Kills an instance (no shutdown: as a crash or a lost machine would).</summary>
    public async Task KillAsync(AppServer instance)
    {
        _killed = instance;
        await instance.DisposeAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (Nginx is not null) await Nginx.DisposeAsync();
        if (A is not null && _killed != A) await A.DisposeAsync();
        if (B is not null && _killed != B) await B.DisposeAsync();
        if (Redis is not null) await Redis.DisposeAsync();
        _database.Dispose();
        foreach (var folder in _folders)
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

// Runs alone: two app servers, nginx and a browser at once on two cores. Each test class starts its own pair.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TwoInstancesCollection
{
    public const string Name = "two-instances";
}
