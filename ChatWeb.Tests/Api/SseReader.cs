using System.Text.Json;

namespace ChatWeb.Tests.Api;

/// <summary>Reads a server-sent-events body into its <c>data:</c> payloads.</summary>
internal static class SseReader
{
    public static async Task<List<string>> ReadDataAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("\n\n", body);
        return body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => Assert.Single(e.Split('\n'), l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..])
            .ToList();
    }

    public static List<JsonElement> Json(IEnumerable<string> data) =>
        data.Where(d => d != "[DONE]").Select(d => JsonDocument.Parse(d).RootElement).ToList();
}
