using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using ChatWeb.Api.Access;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using static ChatWeb.Tests.Api.ChatSocketTests;

namespace ChatWeb.Tests.Api;

/// <summary>
/// API and WebSocket conversations belong to their caller and are bounded: by characters per conversation,
/// by conversations per caller and in all, so no client can make the server keep more and more.
/// </summary>
[Collection(ServerMemory.Name)]
public sealed class ApiConversationLimitsTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    private const string OtherKey = "another-key-for-chatweb";

    [Fact]
    public async Task AnotherKey_CannotContinueAConversation_ItGets404AsForAnUnknownId()
    {
        using var app = factory.With(settings: new Dictionary<string, string>
        {
            ["ChatWeb:Api:Keys:1:Name"] = "other",
            ["ChatWeb:Api:Keys:1:Sha256"] = ApiKeyRing.Hash(OtherKey),
        });
        using var owner = ChatWebFactory.Keyed(app.CreateClient());
        using var other = app.CreateClient();
        other.DefaultRequestHeaders.Authorization = new("Bearer", OtherKey);
        var id = (await (await owner.PostAsJsonAsync("/api/chat/sync", new { message = "My secret is 42" }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("conversationId").GetString();

        using var foreign = await other.PostAsJsonAsync("/api/chat/sync", new { message = "What is my secret?", conversationId = id });
        using var foreignStream = await other.PostAsJsonAsync("/api/chat", new { message = "What is my secret?", conversationId = id });
        using var unknown = await other.PostAsJsonAsync("/api/chat/sync", new { message = "Hi", conversationId = "nope" });
        using var mine = await owner.PostAsJsonAsync("/api/chat/sync", new { message = "And again", conversationId = id });

        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, foreignStream.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var said = (await foreign.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("conversationId")[0].GetString();
        Assert.Equal($"No conversation with id '{id}' (it may have been forgotten); omit the field to start a new one.", said);
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
    }

    [Fact]
    public async Task PastTheLimitPerCaller_ANewConversation_ForgetsTheOldest_AndSaysWhich()
    {
        using var client = ChatWebFactory.Keyed(factory.With(settings: new Dictionary<string, string>
        {
            ["ChatWeb:Api:MaxConversationsPerOwner"] = "2",
        }).CreateClient());

        var ids = new List<string>();
        var forgotten = new List<JsonElement>();
        for (var i = 0; i < 3; i++)
        {
            var reply = await (await client.PostAsJsonAsync("/api/chat/sync", new { message = $"Conversation {i}" })).Content.ReadFromJsonAsync<JsonElement>();
            ids.Add(reply.GetProperty("conversationId").GetString()!);
            forgotten.Add(reply.GetProperty("forgottenConversations"));
        }
        using var oldest = await client.PostAsJsonAsync("/api/chat/sync", new { message = "Still there?", conversationId = ids[0] });
        using var newest = await client.PostAsJsonAsync("/api/chat/sync", new { message = "Still there?", conversationId = ids[2] });

        Assert.Equal(0, forgotten[1].GetArrayLength());
        Assert.Equal([ids[0]], forgotten[2].EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(HttpStatusCode.NotFound, oldest.StatusCode);
        Assert.Equal(HttpStatusCode.OK, newest.StatusCode);
    }

    [Fact]
    public async Task ALongConversation_KeepsItsNewestTurnsWithinTheLimit_AndSaysHowManyMessagesItForgot()
    {
        using var client = ChatWebFactory.Keyed(factory.With(settings: new Dictionary<string, string>
        {
            ["ChatWeb:Api:MaxConversationCharacters"] = "25000",
        }).CreateClient());

        string? id = null;
        var forgotten = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            var reply = await (await client.PostAsJsonAsync("/api/chat/sync", new { message = new string('q', 10_000), conversationId = id }))
                .Content.ReadFromJsonAsync<JsonElement>();
            id = reply.GetProperty("conversationId").GetString();
            forgotten.Add(reply.GetProperty("forgottenMessages").GetInt32());
        }

        // Two turns (a 10,000-character prompt and the demo's short answer each) fit; the third pushes out the first.
        Assert.Equal([0, 0, 2, 4], forgotten);
    }

    [Fact]
    public async Task OneSocketSendingLongTurns_DoesNotGrowTheServersMemoryPastItsLimits()
    {
        var app = factory.With(settings: new Dictionary<string, string>
        {
            ["ChatWeb:Api:MaxConversationCharacters"] = "200000",
            ["ChatWeb:Api:MaxConversationsPerOwner"] = "5",
            ["ChatWeb:Api:RequestsPerMinutePerKey"] = "100000",
        });
        using var socket = await ConnectAsync(app);
        var prompt = new string('q', 100_000);

        // 150 turns of 100,000 characters: 15 million characters (30 MB) if the server kept them all.
        var growth = await ServerMemory.GrowthAsync(async () =>
        {
            for (var i = 0; i < 150; i++)
            {
                var id = $"c{i % 30}";
                await SendAsync(socket, new { type = "chat", id, message = prompt });
                await ReadUntilAsync(socket, m => Is(m, "event", id) && m.GetProperty("event").GetString() == "done");
            }
        });

        // Kept: at most 5 conversations of 200,000 characters (2 MB); the margin is for a busy machine's heap.
        Assert.True(growth < 12_000_000, $"the server's memory grew by {growth / 1_000_000.0:N1} MB");
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task ASocket_KeepsAtMostItsLimitOfConversationIds_AndSaysWhichItForgot()
    {
        var app = factory.With(settings: new Dictionary<string, string> { ["ChatWeb:Api:MaxConversationsPerSocket"] = "2" });
        using var socket = await ConnectAsync(app);

        var started = new List<JsonElement>();
        foreach (var id in new[] { "a", "b", "c" })
        {
            await SendAsync(socket, new { type = "chat", id, message = "Hi" });
            var messages = await ReadUntilAsync(socket, m => Is(m, "event", id) && m.GetProperty("event").GetString() == "done");
            started.Add(messages.First(m => Is(m, "event", id) && m.GetProperty("event").GetString() == "started"));
        }

        Assert.Equal(0, started[1].GetProperty("forgottenIds").GetArrayLength());
        Assert.Equal(["a"], started[2].GetProperty("forgottenIds").EnumerateArray().Select(e => e.GetString()));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    internal static async Task<WebSocket> ConnectAsync(WebApplicationFactory<Program> app, string key = ChatWebFactory.Key)
    {
        var client = app.Server.CreateWebSocketClient();
        client.ConfigureRequest = request => request.Headers.Authorization = $"Bearer {key}";
        var uri = new UriBuilder(app.Server.BaseAddress) { Scheme = "ws", Path = "/ws/chat" }.Uri;
        return await client.ConnectAsync(uri, CancellationToken.None);
    }
}
