using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ChatWeb.Engine.Hosting;
using ChatWeb.Engine.Local;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Api;

/// <summary>While the model loads the server already answers: /health says how far it has come, the chat APIs say 503 and when to come back.</summary>
public sealed class ModelLoadingApiTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    /// <summary>A load that reports 45 % of the weights read, then holds until the test releases it, then loads the real file.</summary>
    private sealed class HeldLoad
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public ManualResetEventSlim Release { get; } = new();

        public LocalModel Load(ModelOptions options, Action<ModelLoadProgress> report, CancellationToken cancellationToken)
        {
            report(new ModelLoadProgress(ModelLoadProgress.ReadingWeights, 45, 100));
            Reached.SetResult();
            Release.Wait(cancellationToken);
            return LocalModel.Load(options, report, cancellationToken);
        }
    }

    private WebApplicationFactory<Program> App(HeldLoad load) => factory.WithWebHostBuilder(b =>
    {
        b.UseSetting("ChatWeb:Model:Path", TestPaths.Model("stories260K", "stories260K.gguf"));
        b.UseSetting("ChatWeb:Model:Threads", "1");
        b.ConfigureTestServices(s => s.AddSingleton<ModelLoad>(load.Load));
    });

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static void AssertRetryLater(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var retry = response.Headers.RetryAfter?.Delta ?? throw new Xunit.Sdk.XunitException("no Retry-After header");
        Assert.InRange(retry, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task WhileLoading_HealthSaysLoading_AndTheApisAnswer503WithRetryAfter_ThenTheModelAnswers()
    {
        var load = new HeldLoad();
        await using var app = App(load);
        using var client = ChatWebFactory.Keyed(app.CreateClient());
        await load.Reached.Task.WaitAsync(TimeSpan.FromSeconds(60));

        var health = await client.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal("loading", health.GetProperty("state").GetString());
        Assert.Equal("stories260K", health.GetProperty("model").GetString());
        Assert.False(health.GetProperty("modelLoaded").GetBoolean());
        Assert.Equal(45, health.GetProperty("loading").GetProperty("percent").GetInt32());
        Assert.Equal("Reading the weights into memory", health.GetProperty("loading").GetProperty("stage").GetString());

        using (var openAi = await client.PostAsync("/v1/chat/completions",
                   Json("""{"model":"stories260K","messages":[{"role":"user","content":"hi"}],"stream":true}""")))
        {
            AssertRetryLater(openAi);
            var body = await openAi.Content.ReadAsStringAsync();
            Assert.Contains("model_loading", body);
            Assert.Contains("The model is still loading (45 %); try again in a moment.", body);
        }
        using (var sync = await client.PostAsync("/api/chat/sync", Json("""{"message":"hi"}""")))
        {
            AssertRetryLater(sync);
            Assert.Contains("still loading (45 %)", await sync.Content.ReadAsStringAsync());
        }
        using (var stream = await client.PostAsync("/api/chat", Json("""{"message":"hi"}""")))
            AssertRetryLater(stream);
        Assert.Contains("The model is still loading (45 %); try again in a moment.", await SocketErrorAsync(app));

        load.Release.Set();
        await app.Services.GetRequiredService<IInferenceStatus>().WhenLoaded();

        health = await client.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal("ready", health.GetProperty("state").GetString());
        Assert.True(health.GetProperty("modelLoaded").GetBoolean());
        using var answer = await client.PostAsync("/api/chat/sync", Json("""{"message":"Once upon a time","settings":{"maxTokens":8}}"""));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    /// <summary>Sends one chat message over /ws/chat and returns the error it gets.</summary>
    private static async Task<string> SocketErrorAsync(WebApplicationFactory<Program> app)
    {
        var client = app.Server.CreateWebSocketClient();
        client.ConfigureRequest = request => request.Headers.Authorization = $"Bearer {ChatWebFactory.Key}";
        using var socket = await client.ConnectAsync(new UriBuilder(app.Server.BaseAddress) { Scheme = "ws", Path = "/ws/chat" }.Uri, CancellationToken.None);
        await socket.SendAsync("""{"type":"chat","id":"a","message":"hi"}"""u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            using var message = JsonDocument.Parse(buffer.AsMemory(0, result.Count));
            if (message.RootElement.GetProperty("type").GetString() == "error")
                return message.RootElement.GetProperty("error").GetString()!;
        }
    }

    [Fact]
    public async Task ShuttingDownWhileLoading_StopsTheLoad()
    {
        var load = new HeldLoad();
        var app = App(load);
        using (app.CreateClient())
            await load.Reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var status = app.Services.GetRequiredService<IInferenceStatus>();

        await app.DisposeAsync(); // never released: the shutdown's cancellation ends the held load

        await status.WhenLoaded().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("demo", status.Current.State);
    }
}
