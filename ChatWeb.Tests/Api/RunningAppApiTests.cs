using System.ClientModel;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ChatWeb.Tests.Browser;
using OpenAI;
using OpenAI.Chat;

namespace ChatWeb.Tests.Api;

/// <summary>
/// Clients against the running app (its own process on Kestrel, no API keys configured, so loopback
/// is open): the official OpenAI .NET client, a WebSocket client, and a plain streaming HTTP client.
/// </summary>
public sealed class RunningAppApiTests(RunningAppApiTests.RunningApp app) : IClassFixture<RunningAppApiTests.RunningApp>
{
    /// <summary>The app, started once for the class, on its own data folder.</summary>
    public sealed class RunningApp : IAsyncLifetime
    {
        private readonly Storage.TempDataFolder _folder = new();

        public AppServer Server { get; private set; } = null!;

        public async Task InitializeAsync() =>
            Server = await AppServer.StartAsync(new Dictionary<string, string>
            {
                ["ChatWeb:Demo:WordDelayMs"] = "1",
                ["ChatWeb:Storage:DataFolder"] = _folder.Path,
            });

        public async Task DisposeAsync()
        {
            await Server.DisposeAsync();
            _folder.Dispose();
        }
    }

    private AppServer Server => app.Server;

    private ChatClient Client() => new("demo", new ApiKeyCredential("any-key-on-loopback"),
        new OpenAIClientOptions { Endpoint = new Uri(Server.BaseUri, "v1") });

    [Fact]
    public async Task OfficialClient_StreamsAReply()
    {
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;

        await foreach (var update in Client().CompleteChatStreamingAsync(
            [new SystemChatMessage("Be friendly."), new UserChatMessage("Say hello")],
            new ChatCompletionOptions { Temperature = 0.7f, MaxOutputTokenCount = 200 }))
        {
            foreach (var part in update.ContentUpdate)
                text.Append(part.Text);
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.StartsWith("Hello! I am ChatWeb's demo assistant.", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.True(usage.OutputTokenCount > 10);
    }

    [Fact]
    public async Task OfficialClient_GetsAWholeCompletion()
    {
        ChatCompletion completion = await Client().CompleteChatAsync([new UserChatMessage("show me code")]);

        Assert.Contains("```csharp", completion.Content[0].Text);
        Assert.Equal("demo", completion.Model);
    }

    [Fact]
    public async Task WebSocketClient_ChatsOverKestrel()
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{Server.BaseUri.Authority}/ws/chat"), CancellationToken.None);

        await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(new { type = "chat", id = "k", message = "say hello" }),
            WebSocketMessageType.Text, true, CancellationToken.None);
        var answer = new StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            var message = JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement;
            if (message.GetProperty("type").GetString() == "message")
                answer.Append(message.GetProperty("token").GetString());
            if (message.TryGetProperty("event", out var e) && e.GetString() == "done")
                break;
        }
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);

        Assert.StartsWith("Hello! I am ChatWeb's demo assistant.", answer.ToString());
        Assert.Equal(WebSocketState.Closed, socket.State);
    }

    [Fact]
    public async Task PlainHttpClient_ReadsTheEventStreamLineByLine()
    {
        using var http = new HttpClient { BaseAddress = Server.BaseUri };
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/chat") { Content = JsonContent.Create(new { message = "explain" }) };

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = await reader.ReadLineAsync();

        Assert.StartsWith("data: {\"token\":\"Here ", first);
        var rest = await reader.ReadToEndAsync();
        Assert.EndsWith("data: [DONE]\n\n", rest);
    }

    [Fact]
    public async Task SimpleChatServersCurlExample_WorksAsWritten()
    {
        // The documented example: curl -N http://localhost:8000/chat -H "Content-Type: application/json" -d '{"prompt": "hello"}'
        var curl = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("curl",
            ["-sS", "-N", new Uri(Server.BaseUri, "chat").ToString(), "-H", "Content-Type: application/json", "-d", "{\"prompt\": \"hello\"}"])
        {
            RedirectStandardOutput = true,
        })!;
        var output = await curl.StandardOutput.ReadToEndAsync();
        await curl.WaitForExitAsync();

        Assert.Equal(0, curl.ExitCode);
        var events = output.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        var answer = string.Concat(events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement.GetProperty("token").GetString()));
        Assert.StartsWith("Hello! I am ChatWeb's demo assistant.", answer);
    }
}
