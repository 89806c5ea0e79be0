using Microsoft.Playwright;

namespace ChatWeb.Tests.Browser;

/// <summary>
/// One running ChatWeb and one headless Debian Chromium, shared by the browser tests of a collection.
/// Each test opens its own browser context (its own cookies, like a separate person).
/// </summary>
public class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public AppServer App { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The app's data folder (database, keys): a fresh temp folder per fixture, removed at the end.</summary>
    public string DataFolder { get; } = Path.Combine(Path.GetTempPath(), "chatweb-browser-" + Guid.NewGuid().ToString("N"));

    /// <summary>Settings passed to the app as environment variables; the demo streams at a visible pace.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["ChatWeb:Demo:WordDelayMs"] = "30",
        ["ChatWeb:Storage:DataFolder"] = DataFolder,
    };

    /// <summary>Stops the app and starts it again on the same data folder (on a new port).</summary>
    public async Task RestartAppAsync()
    {
        await App.DisposeAsync();
        App = await AppServer.StartAsync(Settings);
    }

    public async Task InitializeAsync()
    {
        // Wait for states, generously: on a loaded 2-core machine a circuit can take seconds to start.
        Assertions.SetDefaultExpectTimeout(30_000);
        App = await AppServer.StartAsync(Settings);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(Chromium.LaunchOptions());
    }

    /// <summary>A fresh context and page at the chat, waiting until the circuit is interactive.</summary>
    public async Task<IPage> OpenChatAsync(IBrowserContext? context = null)
    {
        context ??= await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = App.BaseUri.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator("#prompt")).ToBeEnabledAsync();
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (App is not null) await App.DisposeAsync();
        try { Directory.Delete(DataFolder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
