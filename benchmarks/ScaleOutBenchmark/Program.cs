using System.Diagnostics;
using System.Net.Http.Json;
using ChatWeb.Tests.Browser;
using ChatWeb.Tests.ScaleOut;

// Sustained chats per second and time to first token for N concurrent SSE clients of POST /api/chat, with the
// demo backend, in three set-ups: one instance alone (the SQLite default, no proxy); one instance on PostgreSQL and
// Redis behind nginx; two instances on one PostgreSQL and one Redis behind nginx.
// Each client sends a chat, reads the stream to its end, and sends the next. Numbers, not assertions: every process
// (the clients, nginx, PostgreSQL, Redis and the instances) shares the machine's cores.
//   dotnet run -c Release --project benchmarks/ScaleOutBenchmark [seconds per run] [pause per demo word, ms] [clients,clients]

var seconds = args.Length > 0 ? int.Parse(args[0]) : 15;
var wordDelayMs = args.Length > 1 ? args[1] : "5";
var levels = args.Length > 2 ? args[2].Split(',').Select(int.Parse).ToArray() : [50, 200];
Console.WriteLine($"POST /api/chat \"hello\" (demo answer of ~40 words, {wordDelayMs} ms a word), {seconds} s per run, {Environment.ProcessorCount} cores.");
Console.WriteLine();
Console.WriteLine($"{"set-up",-44} {"clients",8} {"chats/s",9} {"TTFT p50 ms",12} {"TTFT p95 ms",12} {"errors",7}");

var common = new Dictionary<string, string>
{
    ["ChatWeb:Demo:WordDelayMs"] = wordDelayMs,
    ["ChatWeb:Api:RequestsPerMinutePerIp"] = "1000000",
    ["Logging:LogLevel:Default"] = "Warning",
};
var folders = new List<string>();
Dictionary<string, string> With(params (string Key, string Value)[] extra)
{
    var folder = Path.Combine(Path.GetTempPath(), "chatweb-bench-" + Guid.NewGuid().ToString("N"));
    folders.Add(folder);
    var settings = new Dictionary<string, string>(common) { ["ChatWeb:Storage:DataFolder"] = folder };
    foreach (var (key, value) in extra)
        settings[key] = value;
    return settings;
}

try
{
    await using (var alone = await AppServer.StartAsync(With()))
        await MeasureAsync("one instance alone (SQLite, direct)", alone.BaseUri);

    await using var redis = await RedisServer.StartAsync();
    var postgres = PostgresServer.Shared.CreateDatabase();
    (string, string)[] shared = [("ChatWeb:Storage:Provider", "Postgres"), ("ChatWeb:Storage:ConnectionString", postgres), ("ChatWeb:Redis:Configuration", redis.Configuration)];

    await using (var a = await AppServer.StartAsync(With(shared)))
    {
        await MeasureAsync("one instance, PostgreSQL + Redis, direct", a.BaseUri);
        await using var nginx = await NginxServer.StartAsync([a.BaseUri.Authority]);
        await MeasureAsync("one instance, PostgreSQL + Redis, nginx", nginx.BaseUri);
        ShowFailures(a);
    }

    await using (var a = await AppServer.StartAsync(With(shared)))
    await using (var b = await AppServer.StartAsync(With(shared)))
    // Round robin: API clients keep no cookie, so docs/deploy.md's sticky route would spread them at random anyway.
    await using (var nginx = await NginxServer.StartAsync([a.BaseUri.Authority, b.BaseUri.Authority], balancing: ""))
    {
        await MeasureAsync("two instances, PostgreSQL + Redis, nginx", nginx.BaseUri);
        ShowFailures(a, b);
    }
}
finally
{
    foreach (var folder in folders)
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
}

async Task MeasureAsync(string setup, Uri baseUri)
{
    foreach (var clients in levels)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients + 8 })
            { BaseAddress = baseUri, Timeout = TimeSpan.FromMinutes(2) };
        await ChatAsync(http); // warm-up
        var ttfts = new List<double>();
        var done = 0;
        var errors = 0;
        var stop = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (stop.Elapsed < until)
            {
                var result = await ChatAsync(http);
                lock (ttfts)
                {
                    if (result is { } ttft) { ttfts.Add(ttft); done++; }
                    else errors++;
                }
            }
        }));
        var elapsed = stop.Elapsed.TotalSeconds;
        ttfts.Sort();
        Console.WriteLine($"{setup,-44} {clients,8} {done / elapsed,9:N1} {Percentile(ttfts, 0.50),12:N0} {Percentile(ttfts, 0.95),12:N0} {errors,7}" +
            (Failures.IsEmpty ? "" : "  (" + string.Join(", ", Failures.OrderBy(f => f.Key).Select(f => $"{f.Key}: {f.Value}")) + ")"));
        Failures.Clear();
    }
}

// One chat to its end; the milliseconds to its first token, or null when it failed.
static async Task<double?> ChatAsync(HttpClient http)
{
    var start = Stopwatch.GetTimestamp();
    double? firstToken = null;
    try
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/chat") { Content = JsonContent.Create(new { message = "hello" }) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            Failures.AddOrUpdate(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
            return null;
        }
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (firstToken is null && line.StartsWith("data: {\"token\"", StringComparison.Ordinal))
                firstToken = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (line == "data: [DONE]")
                return firstToken;
        }
        return null;
    }
    catch (HttpRequestException e)
    {
        Failures.AddOrUpdate(e.HttpRequestError.ToString(), 1, (_, n) => n + 1);
        return null;
    }
}

static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];

// The first lines of the servers' logs that say why a request failed (errors only), so a 500 is explained.
static void ShowFailures(params AppServer[] servers)
{
    foreach (var line in servers.SelectMany(s => s.Log.Split('\n')).Where(l => l.Contains("fail:") || l.Contains("Exception")).Distinct().Take(6))
        Console.Error.WriteLine("  server: " + line.Trim());
}

// Why chats failed in the current run: an HTTP status, or the kind of connection error.
static partial class Program
{
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> Failures = new();
}
