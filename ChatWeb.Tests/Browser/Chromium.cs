using Microsoft.Playwright;

namespace ChatWeb.Tests.Browser;

/// <summary>How the browser tests and the streaming benchmark start Debian's Chromium (Playwright never downloads a browser here).</summary>
public static class Chromium
{
    public const string Path = "/usr/bin/chromium";

    public static BrowserTypeLaunchOptions LaunchOptions() => new()
    {
        ExecutablePath = Path,
        Headless = true,
        Args =
        [
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync",
        ],
    };
}
