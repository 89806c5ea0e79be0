using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using ChatWeb.Tests.Browser;

// The added latency of a remote backend hop: two ChatWeb processes with the demo assistant; B offers A's model
// as the remote model "hop" (ChatWeb:Backends). The same streamed /v1/chat/completions request, one at a time,
// N times straight to A (model "demo") and N times to B (model "hop" → A's /v1). Prints time to first token
// (first content or reasoning_content delta) and total time, p50/p95, and the differences. Not a test.
// Usage: dotnet run -c Release --project benchmarks/RemoteHopBenchmark -- [requests=200] [wordDelayMs=0]
var requests = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
var wordDelayMs = args.Length > 1 ? args[1] : "0";
var folders = new List<string>();

Dictionary<string, string> Settings(params (string Key, string Value)[] more)
{
    var folder = Path.Combine(Path.GetTempPath(), "chatweb-hop-" + Guid.NewGuid().ToString("N"));
    folders.Add(folder);
    var settings = new Dictionary<string, string>
    {
        ["ChatWeb:Storage:DataFolder"] = folder,
        ["ChatWeb:Demo:WordDelayMs"] = wordDelayMs,
        ["ChatWeb:Api:RequestsPerMinutePerIp"] = "1000000",
        ["Logging:LogLevel:Default"] = "Warning",
    };
    foreach (var (key, value) in more)
        settings[key] = value;
    return settings;
}

await using var a = await AppServer.StartAsync(Settings());
await using var b = await AppServer.StartAsync(Settings(
    ("ChatWeb:Backends:0:Name", "hop"),
    ("ChatWeb:Backends:0:RemoteModel", "demo"),
    ("ChatWeb:Backends:0:BaseUrl", new Uri(a.BaseUri, "v1").ToString()),
    ("ChatWeb:Backends:0:MaxConcurrentRequests", "8")));
using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };

Console.WriteLine($"{requests} streamed requests each, one at a time, demo word delay {wordDelayMs} ms; prompt \"think, then say hello\" (thinking + answer)");
var direct = await MeasureAsync(new Uri(a.BaseUri, "v1/chat/completions"), "demo", requests);
var hop = await MeasureAsync(new Uri(b.BaseUri, "v1/chat/completions"), "hop", requests);
Print("A directly (demo)", direct);
Print("B → A /v1 (hop)", hop);
Console.WriteLine($"added by the hop: first token p50 {Ms(P(hop.Ttft, 50) - P(direct.Ttft, 50))}, p95 {Ms(P(hop.Ttft, 95) - P(direct.Ttft, 95))}; " +
                  $"total p50 {Ms(P(hop.Total, 50) - P(direct.Total, 50))}, p95 {Ms(P(hop.Total, 95) - P(direct.Total, 95))}");

foreach (var folder in folders)
    try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
return;

async Task<(List<double> Ttft, List<double> Total)> MeasureAsync(Uri url, string model, int n)
{
    var (ttft, total) = (new List<double>(), new List<double>());
    for (var i = -10; i < n; i++) // ten warm-up requests first
    {
        var clock = Stopwatch.StartNew();
        double? first = null;
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = JsonContent.Create(new { model, stream = true, messages = new[] { new { role = "user", content = "think, then say hello" } } }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead); // read the stream as it comes
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal) || line == "data: [DONE]")
                continue;
            if (first is null && FirstText().IsMatch(line)) // a delta with text, not the opening role-only chunk
                first = clock.Elapsed.TotalMilliseconds;
        }
        if (i < 0)
            continue;
        ttft.Add(first ?? double.NaN);
        total.Add(clock.Elapsed.TotalMilliseconds);
    }
    return (ttft, total);
}

static System.Text.RegularExpressions.Regex FirstText() => new("\"(reasoning_)?content\":\"[^\"]");

static double P(List<double> values, int percentile)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
}

static string Ms(double value) => value.ToString("0.00", CultureInfo.InvariantCulture) + " ms";

static void Print(string name, (List<double> Ttft, List<double> Total) r) =>
    Console.WriteLine($"{name,-20} first token p50 {Ms(P(r.Ttft, 50))}, p95 {Ms(P(r.Ttft, 95))}; total p50 {Ms(P(r.Total, 50))}, p95 {Ms(P(r.Total, 95))}");
