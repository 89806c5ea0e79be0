using System.Diagnostics;
using System.Text;
using ChatWeb.Tests.Browser;
using Microsoft.Playwright;

// Streams the demo assistant's ~4,000-token markdown answer (headings, lists, tables, code) through
// the real chat page over a real Blazor circuit into headless Chromium, twice: with ChatWeb's
// incremental rendering (frozen blocks, renders coalesced to at most 20 per second) and with the naive
// baseline (the whole message re-rendered on every token). It prints what the server sent the browser
// over the circuit's WebSocket (as Chromium's DevTools protocol saw it), the number of render batches,
// and the server's CPU time. Numbers, not assertions: the machine is shared and timings vary.

var wordDelayMs = args.Length > 0 ? args[0] : "2";
Console.WriteLine($"Streaming a ~4,000-token markdown answer, one demo word every {wordDelayMs} ms.");
Console.WriteLine();
Console.WriteLine($"{"mode",-12} {"render batches",15} {"batch KB total",15} {"all frames KB",14} {"avg batch B",12} {"first 10% avg B",16} {"last 10% avg B",15} {"max batch B",12} {"server CPU s",13} {"wall s",8}");
foreach (var mode in new[] { "Incremental", "Naive" })
{
    var result = await RunAsync(mode, wordDelayMs);
    Console.WriteLine($"{mode,-12} {result.Batches.Count,15:N0} {result.Batches.Sum() / 1024.0,15:N1} {result.AllBytes / 1024.0,14:N1} {result.Batches.Average(),12:N0} " +
                      $"{Tenth(result.Batches, first: true),16:N0} {Tenth(result.Batches, first: false),15:N0} {result.Batches.Max(),12:N0} " +
                      $"{result.ServerCpu.TotalSeconds,13:N2} {result.Wall.TotalSeconds,8:N1}");
}

static double Tenth(List<int> sizes, bool first)
{
    var n = Math.Max(1, sizes.Count / 10);
    return (first ? sizes.Take(n) : sizes.TakeLast(n)).Average();
}

static async Task<Result> RunAsync(string mode, string wordDelayMs)
{
    await using var app = await AppServer.StartAsync(new Dictionary<string, string>
    {
        ["ChatWeb:Demo:WordDelayMs"] = wordDelayMs,
        ["ChatWeb:Chat:StreamingRender"] = mode,
        ["Logging:LogLevel:Default"] = "Warning",
    });
    using var playwright = await Playwright.CreateAsync();
    await using var browser = await playwright.Chromium.LaunchAsync(Chromium.LaunchOptions());
    var page = await browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = app.BaseUri.ToString() });

    // Every WebSocket frame the browser receives; render batches carry the "JS.RenderBatch" target.
    var cdp = await page.Context.NewCDPSessionAsync(page);
    var batches = new List<int>();
    long allBytes = 0;
    var counting = false;
    var marker = Encoding.ASCII.GetBytes("JS.RenderBatch");
    cdp.Event("Network.webSocketFrameReceived").OnEvent += (_, frame) =>
    {
        if (!counting || frame is null)
            return;
        var response = frame.Value.GetProperty("response");
        var data = response.GetProperty("payloadData").GetString() ?? "";
        var bytes = response.GetProperty("opcode").GetDouble() == 2 ? Convert.FromBase64String(data) : Encoding.UTF8.GetBytes(data);
        lock (batches)
        {
            allBytes += bytes.Length;
            if (bytes.AsSpan().IndexOf(marker) >= 0)
                batches.Add(bytes.Length);
        }
    };
    await cdp.SendAsync("Network.enable");

    await page.GotoAsync("/");
    await Assertions.Expect(page.Locator("#prompt")).ToBeEnabledAsync();
    // The ~4,000-token answer needs more than a new chat's 2,048 new tokens: raise the limit in Settings.
    await page.Locator("button.settings-toggle").ClickAsync();
    await page.Locator("#max-new-tokens").FillAsync("8192");
    await page.Locator("#max-new-tokens").PressAsync("Tab");
    await page.Locator("button.close").ClickAsync();
    await Assertions.Expect(page.Locator("#max-new-tokens")).ToHaveCountAsync(0);
    await page.Locator("#prompt").FillAsync("Give me a long markdown answer");

    counting = true;
    var cpuBefore = app.CpuTime;
    var wall = Stopwatch.StartNew();
    await page.Locator("#prompt").PressAsync("Enter");
    await Assertions.Expect(page.Locator(".message.assistant button.copy-answer"))
        .ToBeVisibleAsync(new() { Timeout = 600_000 });
    wall.Stop();
    var cpu = app.CpuTime - cpuBefore;
    await Task.Delay(500); // let the last frames arrive
    counting = false;

    var text = await page.Locator(".message.assistant .message-text").InnerTextAsync();
    if (!text.Contains("That is the end of the tour."))
        throw new InvalidOperationException($"{mode}: the answer did not arrive whole.");
    lock (batches)
        return new Result([.. batches], allBytes, cpu, wall.Elapsed);
}

internal sealed record Result(List<int> Batches, long AllBytes, TimeSpan ServerCpu, TimeSpan Wall);
