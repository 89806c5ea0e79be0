using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using static ChatWeb.Tests.Api.ApiConversationLimitsTests;
using static ChatWeb.Tests.Api.ChatSocketTests;

namespace ChatWeb.Tests.Api;

/// <summary>An open WebSocket is no way around the API's limits: its messages are rate limited, its number per caller capped, its bad input answered.</summary>
public sealed class SocketLimitsTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    [Fact]
    public async Task SocketMessages_CountAgainstTheSameRateLimitAsHttpRequests()
    {
        var app = factory.With(settings: new Dictionary<string, string> { ["ChatWeb:Api:RequestsPerMinutePerKey"] = "4" });
        using var http = ChatWebFactory.Keyed(app.CreateClient());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/presets")).StatusCode); // 1
        using var socket = await ConnectAsync(app); // 2

        await SendAsync(socket, new { type = "chat", id = "a", message = "Hi" }); // 3
        await ReadUntilAsync(socket, m => Is(m, "event", "a") && m.GetProperty("event").GetString() == "done");
        await SendAsync(socket, new { type = "chat", id = "b", message = "Hi" }); // 4
        await ReadUntilAsync(socket, m => Is(m, "event", "b") && m.GetProperty("event").GetString() == "done");
        await SendAsync(socket, new { type = "chat", id = "c", message = "Hi" }); // 5: over
        var refused = (await ReadUntilAsync(socket, m => m.GetProperty("type").GetString() == "error"))[^1];
        using var afterwards = await http.GetAsync("/api/presets");

        Assert.StartsWith("Too many requests; try again in", refused.GetProperty("error").GetString());
        Assert.True(refused.GetProperty("retryAfter").GetInt32() >= 1);
        Assert.Equal(HttpStatusCode.TooManyRequests, afterwards.StatusCode);
        Assert.Equal(WebSocketState.Open, socket.State);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task OneCaller_HoldsAtMostItsLimitOfSockets_AndGetsOneBackWhenItClosesOne()
    {
        var app = factory.With(settings: new Dictionary<string, string> { ["ChatWeb:Api:MaxSocketsPerOwner"] = "2" });
        using var first = await ConnectAsync(app);
        using var second = await ConnectAsync(app);

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(app));
        await first.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        using var third = await EventuallyAsync(() => ConnectAsync(app));

        Assert.Contains("429", refused.Message);
        await SendAsync(third, new { type = "chat", id = "a", message = "Hi" });
        await ReadUntilAsync(third, m => Is(m, "event", "a") && m.GetProperty("event").GetString() == "done");
        await second.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        await third.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Theory]
    [InlineData("{\"type\":\"chat\",\"id\":\"\\ud800\",\"message\":\"Hi\"}", "id")]
    [InlineData("{\"type\":\"chat\",\"id\":\"x\",\"message\":\"Hi \\udfff there\"}", "message")]
    public async Task BrokenUnicode_GetsAnErrorMessageNamingTheField_AndTheSocketStaysOpen(string json, string field)
    {
        using var socket = await ConnectAsync(factory.With());

        await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);
        var error = (await ReadUntilAsync(socket, m => m.GetProperty("type").GetString() == "error"))[^1];
        await SendAsync(socket, new { type = "chat", id = "ok", message = "Hi" });
        await ReadUntilAsync(socket, m => Is(m, "event", "ok") && m.GetProperty("event").GetString() == "done");

        Assert.Contains("not valid Unicode", error.GetProperty("errors").GetProperty(field)[0].GetString());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task InvalidUtf8_GetsAnErrorMessage_AndTheSocketStaysOpen()
    {
        using var socket = await ConnectAsync(factory.With());

        byte[] broken = [.. "{\"type\":\"chat\",\"id\":\"x\",\"message\":\"Hi "u8, 0xC3, 0x28, 0xFF, .. "\"}"u8];
        await socket.SendAsync(broken, WebSocketMessageType.Text, true, CancellationToken.None);
        var error = (await ReadUntilAsync(socket, m => m.GetProperty("type").GetString() == "error"))[^1];
        await SendAsync(socket, new { type = "chat", id = "ok", message = "Hi" });
        await ReadUntilAsync(socket, m => Is(m, "event", "ok") && m.GetProperty("event").GetString() == "done");

        Assert.Equal("The message is not valid UTF-8 text.", error.GetProperty("error").GetString());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    /// <summary>Retries until the server has noticed a closed socket (its count drops when the connection's handler ends), for at most 10 s.</summary>
    private static async Task<WebSocket> EventuallyAsync(Func<Task<WebSocket>> connect)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                return await connect();
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }
}
