using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Api;

public sealed class ChatSocketTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    [Fact]
    public async Task OneSocket_RunsTwoConversationsAtOnce_AndCancelsOneWithoutClosing()
    {
        var model = new RecordingChatClient();
        using var socket = await ConnectAsync(model);

        await SendAsync(socket, new { type = "chat", id = "long", message = "Write forever" });
        var longMessages = await ReadUntilAsync(socket, m => Is(m, "message", "long"));
        await SendAsync(socket, new { type = "chat", id = "short", message = "Hi" });
        var shortMessages = await ReadUntilAsync(socket, m => Is(m, "event", "short") && m.GetProperty("event").GetString() == "done");
        await SendAsync(socket, new { type = "cancel", id = "long" });
        var cancelled = await ReadUntilAsync(socket, m => Is(m, "event", "long") && m.GetProperty("event").GetString() == "cancelled");
        await model.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // The short conversation ran to the end while the long one was streaming.
        var shortEvents = shortMessages.Where(m => Is(m, "event", "short")).Select(m => m.GetProperty("event").GetString());
        Assert.Equal(["started", "thinking", "done"], shortEvents);
        Assert.Equal("Fine answer.", Text(shortMessages, "short", "answer"));
        Assert.Equal("Let me see.", Text(shortMessages, "short", "thinking"));
        var done = shortMessages[^1];
        Assert.Equal(7, done.GetProperty("usage").GetProperty("promptTokens").GetInt32());
        Assert.Equal("Starting", Text(longMessages, "long", "answer"));
        Assert.DoesNotContain(cancelled, m => Is(m, "event", "long") && m.GetProperty("event").GetString() == "done");

        // The socket stays open, and "short" continues its own conversation.
        await SendAsync(socket, new { type = "chat", id = "short", message = "And again" });
        await ReadUntilAsync(socket, m => Is(m, "event", "short") && m.GetProperty("event").GetString() == "done");
        Assert.Equal(["Hi", "Fine answer.", "And again"], model.Requests[^1].Messages.Where(m => m.Role != ChatRole.System).Select(m => m.Text));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task EarlierFormClient_SendsIdAndPrompt_AndReadsTheAnswerFromMessageFields()
    {
        var model = new RecordingChatClient();
        using var socket = await ConnectAsync(model);

        // Byte for byte what the earlier WebSocket chat's clients send.
        await socket.SendAsync("{\"id\": \"IdOfThisAi\", \"prompt\": \"hello\"}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var first = await ReadUntilAsync(socket, m => Is(m, "event", "IdOfThisAi") && m.GetProperty("event").GetString() == "done");
        await SendAsync(socket, new { id = "IdOfThisAi", prompt = "and more" });
        await ReadUntilAsync(socket, m => Is(m, "event", "IdOfThisAi") && m.GetProperty("event").GetString() == "done");

        var texts = first.Where(m => m.GetProperty("type").GetString() == "message").ToList();
        Assert.All(texts, m => Assert.Equal("IdOfThisAi", m.GetProperty("id").GetString()));
        Assert.Equal("Fine answer.", string.Concat(texts.Select(m => m.GetProperty("message").GetString())));
        // The same id continued that conversation.
        Assert.Equal(["hello", "Fine answer.", "and more"], model.Requests[^1].Messages.Where(m => m.Role != ChatRole.System).Select(m => m.Text));
    }

    [Fact]
    public async Task EarlierFormClient_WithoutAnId_StartsAConversation_AndLearnsItsIdFromTheReplies()
    {
        var model = new RecordingChatClient();
        using var socket = await ConnectAsync(model);

        await SendAsync(socket, new { prompt = "hello" });
        var replies = await ReadUntilAsync(socket, m => m.GetProperty("type").GetString() == "event" && m.GetProperty("event").GetString() == "done");
        var id = replies[0].GetProperty("id").GetString()!;
        await SendAsync(socket, new { id, prompt = "and more" });
        await ReadUntilAsync(socket, m => Is(m, "event", id) && m.GetProperty("event").GetString() == "done");

        Assert.All(replies, m => Assert.Equal(id, m.GetProperty("id").GetString()));
        Assert.Equal(["hello", "Fine answer.", "and more"], model.Requests[^1].Messages.Where(m => m.Role != ChatRole.System).Select(m => m.Text));
    }

    [Theory]
    [InlineData("{not json", null, "not valid JSON")]
    [InlineData("{\"type\":\"dance\",\"id\":\"a\"}", "a", "Unknown message type 'dance'")]
    [InlineData("{\"type\":\"chat\",\"message\":\"Hi\"}", null, "needs an \"id\"")]
    [InlineData("{\"type\":\"chat\",\"id\":\"a\",\"message\":\"Hi\",\"settings\":{\"topP\":2}}", "a", "not valid")]
    [InlineData("{\"type\":\"cancel\",\"id\":\"a\"}", "a", "nothing to cancel")]
    public async Task BadMessages_GetAnError_AndTheSocketStaysUsable(string json, string? id, string reason)
    {
        using var socket = await ConnectAsync(new RecordingChatClient());

        await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);
        var error = (await ReadUntilAsync(socket, m => m.GetProperty("type").GetString() == "error"))[^1];
        await SendAsync(socket, new { type = "chat", id = "b", message = "Hi" });
        await ReadUntilAsync(socket, m => Is(m, "event", "b") && m.GetProperty("event").GetString() == "done");

        Assert.Contains(reason, error.GetProperty("error").GetString());
        Assert.Equal(id, error.TryGetProperty("id", out var sentId) ? sentId.GetString() : null);
    }

    [Fact]
    public async Task AChat_NamingAnUnknownModel_GetsAnErrorListingTheModels_AndTheSocketStaysUsable()
    {
        using var socket = await ConnectAsync(new RecordingChatClient());

        await SendAsync(socket, new { type = "chat", id = "a", message = "Hi", model = "no-such-model" });
        var error = (await ReadUntilAsync(socket, m => m.GetProperty("type").GetString() == "error"))[^1];
        await SendAsync(socket, new { type = "chat", id = "b", message = "Hi" });
        await ReadUntilAsync(socket, m => Is(m, "event", "b") && m.GetProperty("event").GetString() == "done");

        Assert.Equal("a", error.GetProperty("id").GetString());
        Assert.StartsWith("The model 'no-such-model' does not exist; this server offers",
            error.GetProperty("errors").GetProperty("model")[0].GetString());
    }

    [Fact]
    public async Task OneSocket_StreamsAtMostEightRepliesAtOnce()
    {
        using var socket = await ConnectAsync(new RecordingChatClient { Hang = true });

        for (var i = 0; i < 8; i++)
        {
            await SendAsync(socket, new { type = "chat", id = $"c{i}", message = "Write forever" });
            await ReadUntilAsync(socket, m => Is(m, "message", $"c{i}"));
        }
        await SendAsync(socket, new { type = "chat", id = "c8", message = "One more" });
        var refused = (await ReadUntilAsync(socket, m => m.GetProperty("type").GetString() == "error"))[^1];

        Assert.Equal("c8", refused.GetProperty("id").GetString());
        Assert.Contains("At most 8 replies", refused.GetProperty("error").GetString());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task SocketWithoutKey_IsRefusedWith401()
    {
        var client = factory.Server.CreateWebSocketClient();

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => client.ConnectAsync(new Uri(factory.Server.BaseAddress, "ws/chat"), CancellationToken.None));

        Assert.Contains("401", refused.Message);
    }

    private async Task<WebSocket> ConnectAsync(RecordingChatClient model)
    {
        var server = ((Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>)factory.With(model)).Server;
        var client = server.CreateWebSocketClient();
        client.ConfigureRequest = request => request.Headers.Authorization = $"Bearer {ChatWebFactory.Key}";
        var uri = new UriBuilder(server.BaseAddress) { Scheme = "ws", Path = "/ws/chat" }.Uri;
        return await client.ConnectAsync(uri, CancellationToken.None);
    }

    internal static bool Is(JsonElement message, string type, string id) =>
        message.GetProperty("type").GetString() == type && message.TryGetProperty("id", out var i) && i.GetString() == id;

    private static string Text(IEnumerable<JsonElement> messages, string id, string phase) =>
        string.Concat(messages.Where(m => Is(m, "message", id) && m.GetProperty("phase").GetString() == phase)
            .Select(m => m.GetProperty("token").GetString()));

    internal static Task SendAsync(WebSocket socket, object message) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>Reads messages until one matches (included), failing after 10 s.</summary>
    internal static async Task<List<JsonElement>> ReadUntilAsync(WebSocket socket, Func<JsonElement, bool> last)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var messages = new List<JsonElement>();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            Assert.True(result.EndOfMessage);
            var message = JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement.Clone();
            messages.Add(message);
            if (last(message))
                return messages;
        }
    }
}
