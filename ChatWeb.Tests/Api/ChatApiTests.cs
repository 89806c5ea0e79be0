using ChatWeb.Engine.Chat;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatWeb.Storage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Api;

public sealed class ChatApiTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    [Fact]
    public async Task StreamingChat_WhileTheRequestWaitsInTheQueue_StillStreamsTheAnswerToTheEnd()
    {
        using var client = ChatWebFactory.Keyed(factory.With(new RecordingChatClient { ReportsProgress = true }).CreateClient());

        using var response = await client.PostAsJsonAsync("/api/chat", new { message = "Hi" });

        var events = SseReader.Json(await SseReader.ReadDataAsync(response));
        Assert.Equal("Fine answer.", string.Concat(events.Where(e => e.TryGetProperty("phase", out var p) && p.GetString() == "answer")
            .Select(e => e.GetProperty("token").GetString())));
        Assert.True(events[^1].GetProperty("done").GetBoolean());
    }

    [Fact]
    public async Task StreamingChat_SendsThinkingThenAnswerTokens_ThenUsage_ThenDone()
    {
        using var client = factory.CreateKeyedClient();

        using var response = await client.PostAsJsonAsync("/api/chat", new { message = "think, then say hello" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var data = await SseReader.ReadDataAsync(response);
        Assert.Equal("[DONE]", data[^1]);
        var events = SseReader.Json(data);
        var tokens = events.Where(e => e.TryGetProperty("token", out _)).ToList();
        var thinking = string.Concat(tokens.Where(t => t.GetProperty("phase").GetString() == "thinking").Select(t => t.GetProperty("token").GetString()));
        var answer = string.Concat(tokens.Where(t => t.GetProperty("phase").GetString() == "answer").Select(t => t.GetProperty("token").GetString()));
        Assert.StartsWith("The user wants to see me think.", thinking);
        Assert.StartsWith("Hello! I am ChatWeb's demo assistant.", answer);
        Assert.DoesNotContain("<think>", thinking + answer);

        var done = events[^1];
        Assert.True(done.GetProperty("done").GetBoolean());
        Assert.Equal("stop", done.GetProperty("finishReason").GetString());
        Assert.Equal(tokens.Count, done.GetProperty("usage").GetProperty("completionTokens").GetInt32());
        Assert.True(done.GetProperty("usage").GetProperty("promptTokens").GetInt32() > 0);
        Assert.True(done.GetProperty("timings").GetProperty("totalMs").GetDouble() >= 0);
        Assert.Equal(response.Headers.GetValues("X-Conversation-Id").Single(), done.GetProperty("conversationId").GetString());
    }

    [Fact]
    public async Task SyncChat_ContinuesAConversationById_SendingTheDefaultPresetAndTheEarlierTurns()
    {
        var model = new RecordingChatClient();
        using var client = ChatWebFactory.Keyed(factory.With(model).CreateClient());

        var first = await ReadJson(await client.PostAsJsonAsync("/api/chat/sync", new { message = "First question" }));
        var id = first.GetProperty("conversationId").GetString();
        var second = await ReadJson(await client.PostAsJsonAsync("/api/chat/sync", new { message = "Second question", conversationId = id }));

        Assert.Equal("Fine answer.", first.GetProperty("response").GetString());
        Assert.Equal("Let me see.", first.GetProperty("thinking").GetString());
        Assert.Equal(7, second.GetProperty("usage").GetProperty("promptTokens").GetInt32());
        Assert.Equal(id, second.GetProperty("conversationId").GetString());
        var sent = model.Requests[1].Messages;
        Assert.Equal([PresetStore.SeedText, "First question", "Fine answer.", "Second question"], sent.Select(m => m.Text));
        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.User], sent.Select(m => m.Role));
    }

    [Fact]
    public async Task LongConversations_SendOnlyTheNewestTurns_AsTheChatPageDoes()
    {
        var model = new RecordingChatClient { Reply = ["ok"] };
        using var client = ChatWebFactory.Keyed(factory.With(model, new Dictionary<string, string> { ["ChatWeb:Conversations:MaxTurns"] = "2" }).CreateClient());

        var id = (await ReadJson(await client.PostAsJsonAsync("/api/chat/sync", new { message = "one", system = "Be brief." })))
            .GetProperty("conversationId").GetString();
        foreach (var message in new[] { "two", "three" })
            await ReadJson(await client.PostAsJsonAsync("/api/chat/sync", new { message, conversationId = id }));

        Assert.Equal(["Be brief.", "two", "ok", "three"], model.Requests[^1].Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task Chat_PassesThePresetAndGenerationSettings_ToTheModel()
    {
        var model = new RecordingChatClient();
        var app = factory.With(model);
        app.Services.GetRequiredService<PresetStore>().Create("Concise", "Answer in as few words as you can.", "No lists.", "tests");
        using var client = ChatWebFactory.Keyed(app.CreateClient());

        var response = await client.PostAsJsonAsync("/api/chat/sync", new
        {
            message = "Hi",
            preset = "concise",
            system = "Speak like a pirate.",
            settings = new { temperature = 0.2, topP = 0.9, topK = 20, maxTokens = 64, seed = 42, stop = new[] { "END" } },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (messages, options) = model.Requests.Single();
        Assert.Equal(ChatRole.System, messages[0].Role);
        // One system message: the preset's text, its extra instructions, then the caller's own prompt.
        Assert.Equal("Answer in as few words as you can.\n\nNo lists.\n\nSpeak like a pirate.", messages[0].Text);
        Assert.Equal(["Hi"], messages.Skip(1).Select(m => m.Text));
        Assert.Equal("key:tests", options!.GetOwner()); // the API key's name: the engine's per-owner limit applies
        Assert.Equal(0.2f, options!.Temperature);
        Assert.Equal(0.9f, options.TopP);
        Assert.Equal(20, options.TopK);
        Assert.Equal(64, options.MaxOutputTokens);
        Assert.Equal(42, options.Seed);
        Assert.Equal(["END"], options.StopSequences!);
    }

    [Fact]
    public async Task ThinkSetting_TurnsThinkingOnAndOff()
    {
        using var client = factory.CreateKeyedClient();

        var on = await ReadJson(await client.PostAsJsonAsync("/api/chat/sync", new { message = "hello", settings = new { think = true } }));
        var off = await ReadJson(await client.PostAsJsonAsync("/api/chat/sync", new { message = "think, then say hello", settings = new { think = false } }));

        Assert.StartsWith("The user wants to see me think.", on.GetProperty("thinking").GetString());
        Assert.Equal("", off.GetProperty("thinking").GetString());
        Assert.StartsWith("Hello!", off.GetProperty("response").GetString());
    }

    [Theory]
    [InlineData("{\"message\": \"hi\"", "body", "not valid JSON")]
    [InlineData("", "body", "empty")]
    [InlineData("hello", "body", "not valid JSON")]
    [InlineData("[1, 2]", "body", "must be a JSON object")]
    [InlineData("{\"message\": \"hi\", \"shout\": true}", "shout", "Unknown field 'shout'")]
    [InlineData("{\"message\": \"hi\", \"settings\": {\"temprature\": 1}}", "settings.temprature", "Unknown field")]
    [InlineData("{\"message\": \"hi\", \"settings\": {\"temperature\": 5}}", "settings.temperature", "between 0 and 2")]
    [InlineData("{\"message\": \"hi\", \"settings\": {\"temperature\": \"hot\"}}", "settings.temperature", "Must be a number")]
    [InlineData("{\"message\": \"hi\", \"settings\": {\"maxTokens\": 0}}", "settings.maxTokens", "between 1 and 32768")]
    [InlineData("{\"message\": \"  \"}", "message", "Required")]
    [InlineData("{\"message\": \"hi\", \"preset\": \"grumpy\"}", "preset", "Known presets: Default.")]
    public async Task BadRequests_Get400_NamingTheFieldAndTheReason(string body, string field, string reason)
    {
        using var client = factory.CreateKeyedClient();

        foreach (var path in new[] { "/api/chat", "/api/chat/sync" })
        {
            var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            var errors = problem.GetProperty("errors").GetProperty(field);
            Assert.Contains(reason, errors[0].GetString());
        }
    }

    [Fact]
    public async Task ClientDisconnect_CancelsTheGeneration_AndFreesTheConversation()
    {
        var model = new RecordingChatClient();
        using var client = ChatWebFactory.Keyed(factory.With(model).CreateClient());
        var id = (await ReadJson(await client.PostAsJsonAsync("/api/chat/sync", new { message = "Hi" }))).GetProperty("conversationId").GetString();
        using var disconnect = new CancellationTokenSource();

        var request = client.PostAsJsonAsync("/api/chat", new { message = "Write forever", conversationId = id }, disconnect.Token);
        await model.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        disconnect.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        await model.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var next = await EventuallyAsync(() => client.PostAsJsonAsync("/api/chat/sync", new { message = "Still there?", conversationId = id }),
            r => r.StatusCode != HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(["Hi", "Fine answer.", "Write forever", "Starting", "Still there?"],
            model.Requests[^1].Messages.Where(m => m.Role != ChatRole.System).Select(m => m.Text));
    }

    [Fact]
    public async Task SecondRequestOnAStreamingConversation_Gets409()
    {
        var model = new RecordingChatClient { Hang = true };
        using var client = ChatWebFactory.Keyed(factory.With(model).CreateClient());
        using var stop = new CancellationTokenSource();

        using var streaming = await client.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "/api/chat") { Content = JsonContent.Create(new { message = "Write forever" }) },
            HttpCompletionOption.ResponseHeadersRead, stop.Token);
        var id = streaming.Headers.GetValues("X-Conversation-Id").Single();
        var second = await client.PostAsJsonAsync("/api/chat/sync", new { message = "And now?", conversationId = id });
        stop.Cancel();

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("already streaming", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ModelFailureMidStream_SendsAnErrorEvent_ThenDone()
    {
        using var client = factory.CreateKeyedClient();

        using var response = await client.PostAsJsonAsync("/api/chat", new { message = "please fail" });

        var data = await SseReader.ReadDataAsync(response);
        Assert.Equal("[DONE]", data[^1]);
        Assert.Contains("failed on purpose", SseReader.Json(data).Single().GetProperty("error").GetString());
    }

    /// <summary>Repeats a request until its answer passes the check (the server finishes the cancelled reply in the background), for up to 10 s.</summary>
    private static async Task<HttpResponseMessage> EventuallyAsync(Func<Task<HttpResponseMessage>> send, Func<HttpResponseMessage, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var response = await send();
            if (done(response) || DateTime.UtcNow > deadline)
                return response;
            await Task.Delay(20);
        }
    }

    private static async Task<JsonElement> ReadJson(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
