using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatWeb.Tests;
using ChatWeb.Tests.Browser;
using Microsoft.Playwright;

// The soak of issue 18: the built app with the stories260K model, for a while, under
//   50 SSE clients (POST /api/chat, a few turns per conversation), 10 WebSocket clients (/ws/chat),
//   10 chat pages in headless Chromium, and one hostile client replaying the probes that once hurt:
//   long turns on a socket (memory), a message flood on a socket (rate limit), chain placeholders that
//   amplify and an over-long chain prompt, an overflowing placeholder, a null stage, a lone surrogate id,
//   invalid UTF-8. It prints the server's resident memory over time, p95 latencies, errors of the
//   well-behaved clients (should be 0) and what the hostile client got (should be refusals).
// Numbers, not assertions: the machine is shared and timings vary.
//   dotnet run -c Release --project benchmarks/Soak [seconds=600] [sse=50] [sockets=10] [pages=10]

var seconds = args.Length > 0 ? int.Parse(args[0]) : 600;
var sseClients = args.Length > 1 ? int.Parse(args[1]) : 50;
var socketClients = args.Length > 2 ? int.Parse(args[2]) : 10;
var pageClients = args.Length > 3 ? int.Parse(args[3]) : 10;
var warmUp = TimeSpan.FromSeconds(Math.Min(60, seconds / 5));

// One key per well-behaved API client and one for the hostile client (its own rate limit and conversation limits).
var keys = Enumerable.Range(0, sseClients + socketClients + 1).Select(i => $"soak-key-{i}").ToArray();
var settings = new Dictionary<string, string>
{
    ["ChatWeb:Model:Path"] = TestPaths.Model("stories260K", "stories260K.gguf"),
    ["ChatWeb:Inference:MaxConcurrentSequences"] = "16",
    ["ChatWeb:Inference:QueueSize"] = "128",
    ["Logging:LogLevel:Default"] = "Warning",
};
for (var i = 0; i < keys.Length; i++)
{
    settings[$"ChatWeb:Api:Keys:{i}:Name"] = $"soak{i}";
    settings[$"ChatWeb:Api:Keys:{i}:Sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(keys[i])));
}

await using var app = await AppServer.StartAsync(settings);
Console.WriteLine($"ChatWeb (stories260K) at {app.BaseUri}, pid {app.ProcessId}; {sseClients} SSE, {socketClients} WebSocket, {pageClients} page clients " +
                  $"and 1 hostile client for {seconds} s (warm-up {warmUp.TotalSeconds:0} s). {Environment.ProcessorCount} cores, shared.");

var stats = new Stats();
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
var clock = Stopwatch.StartNew();
var rss = new List<(double Seconds, long Kb)>();
var sampler = Task.Run(async () =>
{
    while (!stop.IsCancellationRequested)
    {
        lock (rss)
            rss.Add((clock.Elapsed.TotalSeconds, ResidentKb(app.ProcessId)));
        try { await Task.Delay(5000, stop.Token); } catch (OperationCanceledException) { }
    }
});

using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(Chromium.LaunchOptions());
var clients = new List<Task>();
for (var i = 0; i < sseClients; i++)
    clients.Add(SseClientAsync(app.BaseUri, keys[i], i, stats, stop.Token));
for (var i = 0; i < socketClients; i++)
    clients.Add(SocketClientAsync(app.BaseUri, keys[sseClients + i], i, stats, stop.Token));
for (var i = 0; i < pageClients; i++)
    clients.Add(PageClientAsync(browser, app.BaseUri, i, stats, stop.Token));
clients.Add(HostileClientAsync(app.BaseUri, keys[^1], stats, stop.Token));
await Task.WhenAll(clients);
await sampler;

Console.WriteLine();
Console.WriteLine("Server resident memory (RSS):");
List<(double Seconds, long Kb)> samples;
lock (rss)
    samples = [.. rss];
foreach (var (at, kb) in samples.Where((_, i) => i % 6 == 0 || i == samples.Count - 1))
    Console.WriteLine($"  {at,6:0} s  {kb / 1024.0,8:N1} MB");
var afterWarmUp = samples.Where(s => s.Seconds >= warmUp.TotalSeconds).ToList();
if (afterWarmUp.Count > 0)
{
    var start = afterWarmUp[0].Kb;
    var max = afterWarmUp.Max(s => s.Kb);
    var end = afterWarmUp[^1].Kb;
    Console.WriteLine($"  after warm-up: start {start / 1024.0:N1} MB, max {max / 1024.0:N1} MB ({100.0 * (max - start) / start:+0.0;-0.0} %), " +
                      $"end {end / 1024.0:N1} MB ({100.0 * (end - start) / start:+0.0;-0.0} %)");
}
Console.WriteLine();
stats.Print();
if (stats.Errors.Count > 0)
{
    Console.WriteLine("First errors of well-behaved clients:");
    foreach (var e in stats.Errors.Take(10))
        Console.WriteLine("  " + e);
}

static long ResidentKb(int pid)
{
    try
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
    }
    catch (IOException)
    {
        return 0;
    }
}

static string Story(int client, int turn)
{
    string[] who = ["a little cat", "a small dog", "a girl named Lily", "a boy named Tim", "a big bear", "a tiny bird"];
    string[] what = ["found a ball", "went to the park", "saw a tree", "wanted to play", "was very happy", "had a red hat"];
    return $"Once upon a time, there was {who[(client + turn) % who.Length]} who {what[(client * 7 + turn) % what.Length]}.";
}

static HttpClient Http(Uri baseUri, string key)
{
    var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromMinutes(5) };
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    return http;
}

static async Task Pause(int client, CancellationToken stop)
{
    try { await Task.Delay(500 + (client * 137) % 1500, stop); } catch (OperationCanceledException) { }
}

// A program on /api/chat: a conversation of three turns, then a new one; reads every event to [DONE].
static async Task SseClientAsync(Uri baseUri, string key, int client, Stats stats, CancellationToken stop)
{
    using var http = Http(baseUri, key);
    string? conversation = null;
    for (var turn = 0; !stop.IsCancellationRequested; turn++)
    {
        if (turn % 3 == 0)
            conversation = null;
        var body = JsonSerializer.Serialize(new { message = Story(client, turn), conversationId = conversation, settings = new { maxTokens = 48 } });
        var watch = Stopwatch.StartNew();
        double? first = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/chat") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (!response.IsSuccessStatusCode)
            {
                stats.Error("sse", $"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                continue;
            }
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var done = false;
            while (await reader.ReadLineAsync() is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal))
                    continue;
                var data = line["data: ".Length..];
                if (data == "[DONE]")
                    break;
                using var json = JsonDocument.Parse(data);
                if (json.RootElement.TryGetProperty("error", out var error))
                    stats.Error("sse", "error event: " + error.GetString());
                else if (json.RootElement.TryGetProperty("token", out _))
                    first ??= watch.Elapsed.TotalMilliseconds;
                else if (json.RootElement.TryGetProperty("done", out _))
                {
                    done = true;
                    conversation = json.RootElement.GetProperty("conversationId").GetString();
                }
            }
            if (done)
                stats.Reply("sse", first ?? watch.Elapsed.TotalMilliseconds, watch.Elapsed.TotalMilliseconds);
            else
                stats.Error("sse", "the stream ended without its done event");
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            stats.Error("sse", e.GetType().Name + ": " + e.Message);
        }
        catch (Exception) { }
        await Pause(client, stop);
    }
}

// A program on /ws/chat: one socket, two conversation ids used in turn.
static async Task SocketClientAsync(Uri baseUri, string key, int client, Stats stats, CancellationToken stop)
{
    using var socket = new ClientWebSocket();
    socket.Options.SetRequestHeader("Authorization", "Bearer " + key);
    var uri = new UriBuilder(baseUri) { Scheme = "ws", Path = "/ws/chat" }.Uri;
    try
    {
        await socket.ConnectAsync(uri, stop);
    }
    catch (Exception e)
    {
        stats.Error("ws", "connect: " + e.Message);
        return;
    }
    var buffer = new byte[64 * 1024];
    for (var turn = 0; !stop.IsCancellationRequested; turn++)
    {
        var id = $"c{turn % 2}";
        var watch = Stopwatch.StartNew();
        double? first = null;
        try
        {
            var message = JsonSerializer.SerializeToUtf8Bytes(new { type = "chat", id, message = Story(client, turn), settings = new { maxTokens = 48 } });
            await socket.SendAsync(message, WebSocketMessageType.Text, true, CancellationToken.None);
            while (true)
            {
                using var json = JsonDocument.Parse(await ReceiveAsync(socket, buffer));
                var root = json.RootElement;
                var type = root.GetProperty("type").GetString();
                if (type == "error")
                {
                    stats.Error("ws", "error message: " + root.GetProperty("error").GetString());
                    break;
                }
                if (type == "message")
                    first ??= watch.Elapsed.TotalMilliseconds;
                if (type == "event" && root.GetProperty("event").GetString() == "done")
                {
                    stats.Reply("ws", first ?? watch.Elapsed.TotalMilliseconds, watch.Elapsed.TotalMilliseconds);
                    break;
                }
            }
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            stats.Error("ws", e.GetType().Name + ": " + e.Message);
            return;
        }
        catch (Exception) { }
        await Pause(client, stop);
    }
    if (socket.State == WebSocketState.Open)
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
}

static async Task<byte[]> ReceiveAsync(WebSocket socket, byte[] buffer)
{
    using var message = new MemoryStream();
    while (true)
    {
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
        if (result.MessageType == WebSocketMessageType.Close)
            throw new WebSocketException($"the server closed the socket ({result.CloseStatus} {result.CloseStatusDescription})");
        message.Write(buffer, 0, result.Count);
        if (result.EndOfMessage)
            return message.ToArray();
    }
}

// A person on the chat page: types a story start, waits for the answer to complete; a new chat every 8 turns.
static async Task PageClientAsync(IBrowser browser, Uri baseUri, int client, Stats stats, CancellationToken stop)
{
    await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUri.ToString() });
    context.SetDefaultTimeout(300_000); // a loaded machine is slow; a wait that long is still an error
    var page = await context.NewPageAsync();
    for (var turn = 0; !stop.IsCancellationRequested; turn++)
    {
        try
        {
            if (turn % 8 == 0)
            {
                await page.GotoAsync("/");
                await Assertions.Expect(page.Locator("#prompt")).ToBeEnabledAsync(new() { Timeout = 60_000 });
            }
            var answers = page.Locator(".message.assistant");
            var before = await answers.CountAsync();
            await page.Locator("#prompt").FillAsync(Story(client, turn));
            var watch = Stopwatch.StartNew();
            await page.Locator("#prompt").PressAsync("Enter");
            var answer = answers.Nth(before);
            await Assertions.Expect(answer).Not.ToHaveAttributeAsync("data-status", "streaming", new() { Timeout = 300_000 });
            var status = await answer.GetAttributeAsync("data-status");
            if (status == "complete")
                stats.Reply("page", watch.Elapsed.TotalMilliseconds, watch.Elapsed.TotalMilliseconds);
            else
                stats.Error("page", $"answer {status}: {await answer.InnerTextAsync()}");
            await Assertions.Expect(page.Locator("#prompt")).ToBeEnabledAsync(new() { Timeout = 60_000 });
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            stats.Error("page", e.GetType().Name + ": " + e.Message.Split('\n')[0]);
        }
        catch (Exception) { }
        await Pause(client, stop);
    }
}

// Replays issue 18's items 1-3 and 10 in a loop, counting what the server answered.
static async Task HostileClientAsync(Uri baseUri, string key, Stats stats, CancellationToken stop)
{
    using var http = Http(baseUri, key);
    var longTurn = new string('q', 100_000);
    var amplifying = new { stages = new[] { new[] { "Once upon a time" }, new[] { string.Concat(Enumerable.Repeat("{{stage1.answer0}}", 5_000)) } } };
    string[] badChains =
    [
        """{"stages":[["hi"],["{{stage99999999999.answer0}}"]]}""",
        """{"stages":[null,["{{stage1.answer0}}"]]}""",
        JsonSerializer.Serialize(new { stages = new[] { new[] { new string('q', 200_000) } } }),
    ];
    while (!stop.IsCancellationRequested)
    {
        try
        {
            // Item 3 and 10 over HTTP.
            stats.Hostile("chain amplification", await Status(http.PostAsync("api/chains/sync", Json(JsonSerializer.Serialize(amplifying)))));
            foreach (var chain in badChains)
                stats.Hostile("bad chain", await Status(http.PostAsync("api/chains/sync", Json(chain))));
            var broken = new ByteArrayContent([.. "{\"message\":\"Hi "u8, 0xC3, 0x28, 0xFF, .. "\"}"u8]);
            broken.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            stats.Hostile("invalid UTF-8", await Status(http.PostAsync("api/chat/sync", broken)));

            // Items 10, 1 and 2 on one socket: a lone surrogate as the id, long turns, then a flood.
            using (var socket = new ClientWebSocket())
            {
                socket.Options.SetRequestHeader("Authorization", "Bearer " + key);
                await socket.ConnectAsync(new UriBuilder(baseUri) { Scheme = "ws", Path = "/ws/chat" }.Uri, stop);
                stats.Hostile("ws connect", "accepted");
                var buffer = new byte[64 * 1024];
                await HostileSocketTurn(socket, buffer, """{"type":"chat","id":"\ud800","message":"hi"}"""u8.ToArray(), "ws lone surrogate id", stats);
                for (var i = 0; i < 20; i++)
                    await HostileSocketTurn(socket, buffer, JsonSerializer.SerializeToUtf8Bytes(new { type = "chat", id = $"long{i}", message = longTurn }), "ws 100k turn", stats);
                await HostileFlood(socket, buffer, 150, stats);
                stats.Hostile("ws after all that", socket.State == WebSocketState.Open ? "socket still open" : "socket dropped");
                if (socket.State == WebSocketState.Open)
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            }
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            stats.Hostile("exception", e.GetType().Name);
            try { await Task.Delay(1000, stop); } catch (OperationCanceledException) { }
        }
        catch (Exception) { }
    }
}

static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

static async Task<string> Status(Task<HttpResponseMessage> send)
{
    using var response = await send;
    return ((int)response.StatusCode).ToString();
}

// Sends one message and reads to its answer: an error message (a refusal) or the reply's done event.
// Sends many chat messages at once without waiting, then reads one outcome (refused or served) for each.
static async Task HostileFlood(ClientWebSocket socket, byte[] buffer, int count, Stats stats)
{
    for (var i = 0; i < count; i++)
        await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(new { type = "chat", id = $"flood{i}", message = "hi", settings = new { maxTokens = 4 } }),
            WebSocketMessageType.Text, true, CancellationToken.None);
    for (var answered = 0; answered < count;)
    {
        using var json = JsonDocument.Parse(await ReceiveAsync(socket, buffer));
        var root = json.RootElement;
        var type = root.GetProperty("type").GetString();
        if (type == "error")
        {
            var error = root.GetProperty("error").GetString() ?? "";
            stats.Hostile("ws flood", "error: " + Regex.Replace(error.Length > 60 ? error[..60] : error, @"\d+", "N"));
            answered++;
        }
        else if (type == "event" && root.GetProperty("event").GetString() == "done")
        {
            stats.Hostile("ws flood", "served");
            answered++;
        }
    }
}

static async Task HostileSocketTurn(ClientWebSocket socket, byte[] buffer, byte[] message, string probe, Stats stats)
{
    await socket.SendAsync(message, WebSocketMessageType.Text, true, CancellationToken.None);
    while (true)
    {
        using var json = JsonDocument.Parse(await ReceiveAsync(socket, buffer));
        var root = json.RootElement;
        var type = root.GetProperty("type").GetString();
        if (type == "error")
        {
            var error = root.GetProperty("error").GetString() ?? "";
            stats.Hostile(probe, "error: " + Regex.Replace(error.Length > 60 ? error[..60] : error, @"\d+", "N"));
            return;
        }
        if (type == "event" && root.GetProperty("event").GetString() == "done")
        {
            stats.Hostile(probe, "served");
            return;
        }
    }
}

internal sealed class Stats
{
    private readonly Dictionary<string, (List<double> First, List<double> Total)> _replies = [];
    private readonly Dictionary<string, int> _errors = [];
    private readonly Dictionary<(string Probe, string Outcome), int> _hostile = [];

    public List<string> Errors { get; } = [];

    public void Reply(string kind, double firstMs, double totalMs)
    {
        lock (this)
        {
            if (!_replies.TryGetValue(kind, out var lists))
                _replies[kind] = lists = ([], []);
            lists.First.Add(firstMs);
            lists.Total.Add(totalMs);
        }
    }

    public void Error(string kind, string what)
    {
        lock (this)
        {
            _errors[kind] = _errors.GetValueOrDefault(kind) + 1;
            Errors.Add($"{kind}: {what}");
        }
    }

    public void Hostile(string probe, string outcome)
    {
        lock (this)
            _hostile[(probe, outcome)] = _hostile.GetValueOrDefault((probe, outcome)) + 1;
    }

    public void Print()
    {
        lock (this)
        {
            Console.WriteLine($"{"client",-6} {"replies",8} {"errors",7} {"p50 first ms",13} {"p95 first ms",13} {"p50 reply ms",13} {"p95 reply ms",13}");
            foreach (var kind in new[] { "sse", "ws", "page" })
            {
                var (first, total) = _replies.GetValueOrDefault(kind, ([], []));
                Console.WriteLine($"{kind,-6} {total.Count,8} {_errors.GetValueOrDefault(kind),7} {P(first, 50),13:N0} {P(first, 95),13:N0} {P(total, 50),13:N0} {P(total, 95),13:N0}");
            }
            Console.WriteLine("(page: first = whole reply, from Enter to the answer complete)");
            Console.WriteLine();
            Console.WriteLine("Hostile client: what each probe got");
            foreach (var ((probe, outcome), count) in _hostile.OrderBy(p => p.Key.Probe).ThenByDescending(p => p.Value))
                Console.WriteLine($"  {probe,-22} {count,6} × {outcome}");
        }
    }

    private static double P(List<double> values, int percentile)
    {
        if (values.Count == 0)
            return 0;
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1)];
    }
}
