using System.Text.Json;

namespace ChatWeb.Api;

/// <summary>Writes a text/event-stream response: one <c>data: {json}</c> event per call, flushed at once.</summary>
internal static class ServerSentEvents
{
    public static void Start(HttpResponse response)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // Tell reverse proxies (nginx) not to buffer the stream.
        response.Headers["X-Accel-Buffering"] = "no";
    }

    public static async Task WriteAsync<T>(HttpResponse response, T data, JsonSerializerOptions options, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(data, options);
        await response.WriteAsync($"data: {json}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// One event of plain text (no JSON), with an optional event name; each line of the text is a <c>data:</c> line,
    /// so a client that joins them with newlines reads the text back exactly.
    /// </summary>
    public static async Task WriteTextAsync(HttpResponse response, string text, string? eventName, CancellationToken cancellationToken)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n').Select(line => $"data: {line}\n");
        var name = eventName is null ? "" : $"event: {eventName}\n";
        await response.WriteAsync($"{name}{string.Concat(lines)}\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>The last event of every JSON stream.</summary>
    public static async Task WriteDoneAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        await response.WriteAsync("data: [DONE]\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
