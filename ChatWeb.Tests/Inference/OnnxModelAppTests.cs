using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ChatWeb.Engine.Hosting;
using ChatWeb.Engine.Onnx;
using ChatWeb.Tests.Api;
using ChatWeb.Tests.Engine.Onnx;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Inference;

/// <summary>ChatWeb with ChatWeb:Model:Path at an ONNX Runtime GenAI folder: the same app, APIs and health; a broken folder means demo mode with what to do.</summary>
public sealed class OnnxModelAppTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatweb-onnx-app-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static async Task<WebApplicationFactory<Program>> StartAsync(WebApplicationFactory<Program> app)
    {
        using var _ = app.CreateClient(); // starts the app, and with it the load
        await app.Services.GetRequiredService<ModelHost>().LoadAsync();
        return app;
    }

    private WebApplicationFactory<Program> App(string path, string provider = "cpu") => factory.With(settings: new Dictionary<string, string>
    {
        ["ChatWeb:Model:Path"] = path,
        ["ChatWeb:Model:ExecutionProvider"] = provider,
        ["ChatWeb:Model:Threads"] = "1",
    });

    [Fact]
    public async Task OnnxFolder_IsReady_AndTheApiStreamsTheStory()
    {
        await using var app = await StartAsync(App(OnnxStoriesTests.Folder));
        using var client = ChatWebFactory.Keyed(app.CreateClient());

        var health = await client.GetFromJsonAsync<JsonElement>("/health");
        using var response = await client.PostAsJsonAsync("/api/chat",
            new { message = "Once upon a time", settings = new { temperature = 0, maxTokens = 40 } });

        Assert.Equal("ready", health.GetProperty("state").GetString());
        Assert.Equal("onnx", health.GetProperty("backend").GetString());
        Assert.Equal("stories260K-onnx", health.GetProperty("model").GetString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = SseReader.Json(await SseReader.ReadDataAsync(response));
        var answer = string.Concat(events.Where(e => e.TryGetProperty("token", out _)).Select(e => e.GetProperty("token").GetString()));
        var done = events[^1];
        Assert.StartsWith(", there was a little", answer.TrimStart());
        Assert.Equal(40, done.GetProperty("usage").GetProperty("completionTokens").GetInt32());
        Assert.Equal("length", done.GetProperty("finishReason").GetString());
    }

    [Fact]
    public async Task OnnxFolder_AnswersOverTheWebSocket()
    {
        await using var app = await StartAsync(App(OnnxStoriesTests.Folder));
        var socketClient = app.Server.CreateWebSocketClient();
        socketClient.ConfigureRequest = request => request.Headers.Authorization = $"Bearer {ChatWebFactory.Key}";
        using var socket = await socketClient.ConnectAsync(new UriBuilder(app.Server.BaseAddress) { Scheme = "ws", Path = "/ws/chat" }.Uri, CancellationToken.None);

        var message = JsonSerializer.SerializeToUtf8Bytes(new { type = "chat", id = "s", message = "Once upon a time", settings = new { temperature = 0, maxTokens = 20 } });
        await socket.SendAsync(message, WebSocketMessageType.Text, true, CancellationToken.None);
        var answer = new StringBuilder();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
            var json = JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement;
            if (json.GetProperty("type").GetString() == "message" && json.TryGetProperty("token", out var token))
                answer.Append(token.GetString());
            if (json.GetProperty("type").GetString() == "event" && json.GetProperty("event").GetString() is "done" or "error")
            {
                Assert.Equal("done", json.GetProperty("event").GetString());
                break;
            }
            Assert.NotEqual("error", json.GetProperty("type").GetString());
        }

        Assert.StartsWith(", there was a little", answer.ToString().TrimStart());
    }

    public static TheoryData<string, string> BrokenFolders => new()
    {
        { "no-model", "copy the model's ONNX file" },
        { "no-tokenizer", "copy the model's tokenizer.json" },
        { "bad-json", "not valid JSON" },
        { "unknown-type", "names the model type 'teapot'" },
        { "cuda", "-p:OnnxRuntimeGenAIFlavour=Cuda" },
        { "no-config", "has no genai_config.json" },
    };

    [Theory]
    [MemberData(nameof(BrokenFolders))]
    public async Task BrokenFolder_MeansDemoMode_WithWhatToDo_AndTheAppKeepsServing(string broken, string expected)
    {
        var path = _folder;
        switch (broken)
        {
            case "no-model": OnnxModelFolderTests.LinkStories(_folder, leaveOut: "model.onnx"); break;
            case "no-tokenizer": OnnxModelFolderTests.LinkStories(_folder, leaveOut: "tokenizer.json"); break;
            case "bad-json": OnnxModelFolderTests.LinkStories(_folder, config: "{ \"model\": "); break;
            case "unknown-type": OnnxModelFolderTests.LinkStories(_folder, config: OnnxModelFolderTests.StoriesConfig.Replace("\"llama\"", "\"teapot\"")); break;
            case "cuda": path = OnnxStoriesTests.Folder; break;
            case "no-config": OnnxModelFolderTests.LinkStories(_folder, leaveOut: OnnxModelFolder.ConfigFile); break;
        }
        await using var app = await StartAsync(App(path, broken == "cuda" ? "cuda" : "cpu"));
        using var client = ChatWebFactory.Keyed(app.CreateClient());

        var health = await client.GetFromJsonAsync<JsonElement>("/health");
        var reply = await client.PostAsJsonAsync("/api/chat/sync", new { message = "Hello" });

        Assert.Equal("demo", health.GetProperty("state").GetString());
        Assert.Contains(expected, health.GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
    }
}
