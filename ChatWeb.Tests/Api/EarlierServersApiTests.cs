using System.Net;
using System.Text;
using System.Text.Json;
using ChatWeb.Api.Compat;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Api;

/// <summary>
/// The clients of the chat servers ChatWeb replaces send their requests unchanged, byte for byte as those
/// servers documented them, and read what they expect.
/// </summary>
public sealed class EarlierServersApiTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    [Fact]
    public async Task Chat_WithoutThinking_StreamsOnlyTokenEvents_ThenDone()
    {
        using var client = factory.CreateKeyedClient();

        using var response = await client.PostAsync("/chat", Json("{\"prompt\": \"think, then say hello\", \"thinking\": false}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var data = await SseReader.ReadDataAsync(response);
        Assert.Equal("[DONE]", data[^1]);
        var events = SseReader.Json(data);
        // A strict client reads exactly one field, "token", from every event.
        Assert.All(events, e => Assert.Equal(["token"], e.EnumerateObject().Select(p => p.Name)));
        Assert.StartsWith("Hello! I am ChatWeb's demo assistant.", string.Concat(events.Select(e => e.GetProperty("token").GetString())));
    }

    [Fact]
    public async Task Chat_WithThinking_MarksTheThoughts_SoATokenOnlyClientCanTellThemApart()
    {
        var model = new RecordingChatClient();
        using var client = ChatWebFactory.Keyed(factory.With(model).CreateClient());

        using var response = await client.PostAsync("/chat", Json("{\"prompt\": \"hello\", \"thinking\": true}"));

        var events = SseReader.Json(await SseReader.ReadDataAsync(response));
        Assert.All(events, e => Assert.True(e.TryGetProperty("token", out _)));
        var thoughts = events.Where(e => e.TryGetProperty("thinking", out var t) && t.GetBoolean());
        Assert.Equal("Let me see.", string.Concat(thoughts.Select(e => e.GetProperty("token").GetString())));
        Assert.Equal("Fine answer.", string.Concat(events.Where(e => !e.TryGetProperty("thinking", out _)).Select(e => e.GetProperty("token").GetString())));
        Assert.Equal(ReasoningEffort.Medium, model.Requests.Single().Options?.Reasoning?.Effort);
    }

    [Fact]
    public async Task Chat_FailingMidStream_SendsAnErrorEventThatStillHasAToken_ThenDone()
    {
        using var client = ChatWebFactory.Keyed(factory.With(new RecordingChatClient { Reply = ["Fine", " answer."] }).CreateClient());

        using var response = await client.PostAsync("/chat", Json("{\"prompt\": \"break down\"}"));

        var data = await SseReader.ReadDataAsync(response);
        Assert.Equal("[DONE]", data[^1]);
        var events = SseReader.Json(data);
        Assert.Equal("Fine", events[0].GetProperty("token").GetString());
        Assert.Equal("", events[^1].GetProperty("token").GetString());
        Assert.Contains("The engine broke down.", events[^1].GetProperty("error").GetString());
    }

    [Fact]
    public async Task ChatSync_AnswersWithResponse_AndEachRequestIsItsOwnExchange()
    {
        var model = new RecordingChatClient();
        using var client = ChatWebFactory.Keyed(factory.With(model).CreateClient());

        using var first = await client.PostAsync("/chat/sync", Json("{\"prompt\": \"hello\"}"));
        using var second = await client.PostAsync("/chat/sync", Json("{\"prompt\": \"hello again\"}"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var body = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(["response"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Fine answer.", body.GetProperty("response").GetString());
        // The default preset applies; the second request does not see the first.
        Assert.Equal([ChatRole.System, ChatRole.User], model.Requests[1].Messages.Select(m => m.Role));
        Assert.Equal("hello again", model.Requests[1].Messages[^1].Text);
    }

    [Theory]
    [InlineData("/chat", "{}", "prompt")]
    [InlineData("/chat", "{\"prompt\": \"   \"}", "prompt")]
    [InlineData("/chat/sync", "{\"prompt\": 5}", "prompt")]
    [InlineData("/chat/sync", "[\"hello\"]", "must be a JSON object")]
    public async Task Chat_WithoutAUsablePrompt_Gets400SayingWhy_AndRunsNothing(string path, string body, string reason)
    {
        var model = new RecordingChatClient();
        using var client = ChatWebFactory.Keyed(factory.With(model).CreateClient());

        using var response = await client.PostAsync(path, Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync());
        Assert.Empty(model.Requests);
    }

    [Fact]
    public async Task Completion_TakesAFormPrompt_AndStreamsPlainTextChunks()
    {
        var model = new RecordingChatClient();
        using var client = ChatWebFactory.Keyed(factory.With(model).CreateClient());

        using var response = await client.PostAsync("/completion", new FormUrlEncodedContent(new Dictionary<string, string> { ["prompt"] = "hello" }));

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["Fine", " answer."], await SseReader.ReadDataAsync(response));
        Assert.Equal("hello", model.Requests.Single().Messages[^1].Text);
    }

    [Fact]
    public async Task Completion_PostedByAnotherSitesPage_IsRefused_AndRunsNothing()
    {
        var model = new RecordingChatClient();
        using var client = ChatWebFactory.Keyed(factory.With(model).CreateClient());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/completion")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["prompt"] = "hello" }),
        };
        request.Headers.Add("Origin", "http://evil.example");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(model.Requests);
    }

    [Theory]
    [InlineData("{\"prompt\": \"hello\"}", "application/json", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("other=1", "application/x-www-form-urlencoded", HttpStatusCode.BadRequest)]
    public async Task Completion_WithoutAFormPrompt_SaysWhatItNeeds(string body, string contentType, HttpStatusCode status)
    {
        using var client = factory.CreateKeyedClient();

        using var response = await client.PostAsync("/completion", new StringContent(body, Encoding.UTF8, contentType));

        Assert.Equal(status, response.StatusCode);
        Assert.Contains("prompt", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task StreamExample_StreamsItsFixedTokens()
    {
        using var client = factory.CreateKeyedClient();

        using var response = await client.GetAsync("/stream-example");

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(CompletionApi.ExampleTokens, await SseReader.ReadDataAsync(response));
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
