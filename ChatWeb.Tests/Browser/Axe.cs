using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace ChatWeb.Tests.Browser;

/// <summary>
/// Runs axe-core (the npm package in wwwroot-assets, injected into the page) and fails on any violation of
/// impact serious or critical. Prints the totals per impact for each checked state to the test output.
/// </summary>
internal static class Axe
{
    private static readonly string Script = Path.Combine(TestPaths.RepositoryRoot, "wwwroot-assets", "node_modules", "axe-core", "axe.min.js");

    public static async Task AssertNoSeriousViolationsAsync(IPage page, string state, ITestOutputHelper output)
    {
        if (!await page.EvaluateAsync<bool>("() => typeof axe !== 'undefined'"))
            await page.AddScriptTagAsync(new PageAddScriptTagOptions { Path = Script });
        var violations = await page.EvaluateAsync<JsonElement>("""
            async () => (await axe.run(document, { resultTypes: ["violations"] })).violations.map(v => ({
                id: v.id, impact: v.impact ?? "none", nodes: v.nodes.length,
                targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "),
            }))
            """);
        var all = violations.EnumerateArray().Select(v => (
            Id: v.GetProperty("id").GetString()!, Impact: v.GetProperty("impact").GetString()!,
            Nodes: v.GetProperty("nodes").GetInt32(), Targets: v.GetProperty("targets").GetString()!)).ToList();
        int Count(string impact) => all.Where(v => v.Impact == impact).Sum(v => v.Nodes);
        output.WriteLine($"axe {state}: critical {Count("critical")}, serious {Count("serious")}, moderate {Count("moderate")}, minor {Count("minor")}" +
                         (all.Count > 0 ? $" ({string.Join(", ", all.Select(v => $"{v.Id}×{v.Nodes}"))})" : ""));
        var serious = all.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"{state}: " + string.Join("; ", serious.Select(v => $"{v.Impact} {v.Id} ({v.Nodes}): {v.Targets}")));
    }

    /// <summary>Where the browser tests put their screenshots (not committed).</summary>
    public static string ScreenshotFolder()
    {
        var directory = Path.Combine(TestPaths.RepositoryRoot, "ChatWeb.Tests", "bin", "screenshots");
        Directory.CreateDirectory(directory);
        return directory;
    }
}
