using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatWeb.Engine.Remote;
using ChatWeb.Inference;
using ChatWeb.Engine.Hosting;
using ChatWeb.Engine.Local;
using ChatWeb.Tests.Api;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Inference;

/// <summary>
/// A second ChatWeb, on a real port, is the remote engine of the first (ChatWeb:Backends): the first one's
/// /api/chat and /v1 stream its answers, thinking included, over real HTTP.
/// </summary>
public sealed class RemoteBackendTests : IDisposable
{
    private readonly ChatWebFactory _remoteFactory = new();
    private readonly ChatWebFactory _localFactory = new();

    private HttpClient Local(Dictionary<string, string> settings) => ChatWebFactory.Keyed(_localFactory.With(settings: settings).CreateClient());

    private static async Task<JsonElement> Json(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task ApiChatAndV1_StreamTheRemoteChatWebsAnswer_ThinkingIncluded()
    {
        var (_, v1) = RemoteServers.StartChatWeb(_remoteFactory);
        using var client = Local(RemoteServers.Backend(0, "big", [v1]));

        var models = await Json(await client.GetAsync("/v1/models"));
        Assert.Equal(["demo", "big"], models.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));

        // /api/chat (SSE): thinking and answer tokens from the remote demo assistant.
        using var streamed = await client.PostAsJsonAsync("/api/chat", new { message = "think, then say hello", model = "big" });
        var events = SseReader.Json(await SseReader.ReadDataAsync(streamed));
        var tokens = events.Where(e => e.TryGetProperty("token", out _)).ToList();
        string Phase(string phase) => string.Concat(tokens.Where(t => t.GetProperty("phase").GetString() == phase).Select(t => t.GetProperty("token").GetString()));
        Assert.StartsWith("The user wants to see me think.", Phase("thinking"));
        Assert.StartsWith("Hello! I am ChatWeb's demo assistant.", Phase("answer"));
        Assert.DoesNotContain("<think>", Phase("thinking") + Phase("answer"));

        // /api/chat/sync: the same answer in one object.
        var sync = await Json(await client.PostAsJsonAsync("/api/chat/sync", new { message = "think, then say hello", model = "big" }));
        Assert.Equal(Phase("answer"), sync.GetProperty("response").GetString());

        // /v1/chat/completions, streamed: reasoning_content then content, under the model's name here.
        using var completion = await client.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "big", stream = true, messages = new[] { new { role = "user", content = "think, then say hello" } },
        });
        var chunks = SseReader.Json((await SseReader.ReadDataAsync(completion)).Where(d => d != "[DONE]"));
        Assert.All(chunks, c => Assert.Equal("big", c.GetProperty("model").GetString()));
        var deltas = chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray()).Select(c => c.GetProperty("delta")).ToList();
        string Field(string name) => string.Concat(deltas.Where(d => d.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String).Select(d => d.GetProperty(name).GetString()));
        Assert.StartsWith("The user wants to see me think.", Field("reasoning_content"));
        Assert.StartsWith("Hello! I am ChatWeb's demo assistant.", Field("content"));
    }

    [Fact]
    public async Task UnknownModel_IsRefused_NamingItAndTheModelsOnOffer()
    {
        var (_, v1) = RemoteServers.StartChatWeb(_remoteFactory);
        using var client = Local(RemoteServers.Backend(0, "big", [v1]));

        var chat = await client.PostAsJsonAsync("/api/chat", new { message = "hi", model = "huge" });
        Assert.Equal(HttpStatusCode.BadRequest, chat.StatusCode);
        Assert.Contains("The model 'huge' does not exist; this server offers 'demo', 'big'.", await chat.Content.ReadAsStringAsync());

        var v1Chat = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "huge", messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal(HttpStatusCode.NotFound, v1Chat.StatusCode);
        Assert.Contains("'huge' does not exist", (await Json(v1Chat)).GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task ClientGone_CancelsTheRemoteGeneration()
    {
        var remoteModel = new RecordingChatClient { Hang = true };
        var (_, v1) = RemoteServers.StartChatWeb(_remoteFactory, remoteModel);
        using var client = Local(RemoteServers.Backend(0, "big", [v1]));

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat") { Content = JsonContent.Create(new { message = "go on", model = "big" }) };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line && !line.Contains("Starting")) { }
        await remoteModel.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        response.Dispose(); // the client leaves: the first ChatWeb stops, and aborts its request to the second

        await remoteModel.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task EndpointsThatRefuseOrHang_FailOverToTheNext_AndTheAdminSeesThem()
    {
        var (_, v1) = RemoteServers.StartChatWeb(_remoteFactory);
        using var hanging = new HangingServer();
        var refused = RemoteServers.ClosedPort();
        var local = _localFactory.With(settings: RemoteServers.Backend(0, "big", [refused, hanging.V1, v1], firstTokenTimeoutSeconds: 2));
        using var client = ChatWebFactory.Keyed(local.CreateClient());

        var reply = await client.PostAsJsonAsync("/api/chat/sync", new { message = "say hello", model = "big" });

        Assert.True(reply.StatusCode == HttpStatusCode.OK, await reply.Content.ReadAsStringAsync());
        Assert.StartsWith("Hello! I am ChatWeb's demo assistant.", (await Json(reply)).GetProperty("response").GetString());
        var endpoints = local.Services.GetRequiredService<ModelCatalog>().RemoteStatus().Single().Endpoints;
        Assert.Equal([EndpointHealth.Failing, EndpointHealth.Failing, EndpointHealth.Up], endpoints.Select(e => e.Health));
        Assert.Contains("refused", endpoints[0].LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("no answer within 2 s", endpoints[1].LastError);
    }

    [Fact]
    public async Task AllEndpointsDown_EveryApiSaysSoClearly()
    {
        var (a, b) = (RemoteServers.ClosedPort(), RemoteServers.ClosedPort());
        using var client = Local(RemoteServers.Backend(0, "big", [a, b]));

        var sync = await client.PostAsJsonAsync("/api/chat/sync", new { message = "hi", model = "big" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, sync.StatusCode);
        var problem = await sync.Content.ReadAsStringAsync();
        Assert.Contains("The model 'big' cannot be reached right now", problem);
        Assert.Contains(a, problem);
        Assert.Contains(b, problem);

        var v1 = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "big", messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, v1.StatusCode);
        Assert.Contains("cannot be reached", await v1.Content.ReadAsStringAsync());

        using var streamed = await client.PostAsJsonAsync("/api/chat", new { message = "hi", model = "big" });
        Assert.Contains(SseReader.Json((await SseReader.ReadDataAsync(streamed)).Where(d => d != "[DONE]")),
            e => e.TryGetProperty("error", out var error) && error.GetString()!.Contains("cannot be reached"));
    }

    [Fact]
    public async Task InvalidBackendSettings_StopStartUp_NamingTheSetting()
    {
        var app = _localFactory.With(settings: new Dictionary<string, string>
        {
            ["ChatWeb:Backends:0:Name"] = "big",
            ["ChatWeb:Backends:0:BaseUrl"] = "gpu1:8000",
        });
        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        Assert.Contains("ChatWeb:Backends:0: 'gpu1:8000' is not an http(s) URL", error.ToString());
    }

    [Fact]
    public async Task ARemoteModel_AnswersWhileTheLocalModelLoads_AndTheLocalOneSays503()
    {
        var (_, v1) = RemoteServers.StartChatWeb(_remoteFactory);
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        var settings = RemoteServers.Backend(0, "big", [v1]);
        settings["ChatWeb:Model:Path"] = TestPaths.Model("stories260K", "stories260K.gguf");
        await using var app = _localFactory.With(settings: settings).WithWebHostBuilder(b => b.ConfigureTestServices(s =>
            s.AddSingleton<ModelLoad>((options, report, cancel) =>
            {
                report(new ModelLoadProgress(ModelLoadProgress.ReadingWeights, 45, 100));
                reached.TrySetResult();
                release.Wait(cancel); // the local model stays loading for the whole test
                return LocalModel.Load(options, report, cancel);
            })));
        using var client = ChatWebFactory.Keyed(app.CreateClient());
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(60));

        var local = await client.PostAsJsonAsync("/api/chat/sync", new { message = "hello" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, local.StatusCode);

        var remote = await Json(await client.PostAsJsonAsync("/api/chat/sync", new { message = "hello", model = "big" }));
        Assert.StartsWith("Hello! I am ChatWeb's demo assistant.", remote.GetProperty("response").GetString());
        using var streamed = await client.PostAsJsonAsync("/api/chat", new { message = "hello", model = "big" });
        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
        var v1Reply = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "big", messages = new[] { new { role = "user", content = "hello" } } });
        Assert.Equal(HttpStatusCode.OK, v1Reply.StatusCode);
        release.Set();
    }

    [Fact]
    public async Task ARemoteModelsHistory_IsTrimmedToItsOwnContextWindow()
    {
        var remoteModel = new RecordingChatClient();
        var (_, v1) = RemoteServers.StartChatWeb(_remoteFactory, remoteModel);
        var settings = RemoteServers.Backend(0, "small", [v1]);
        settings["ChatWeb:Backends:0:ContextTokens"] = "600"; // less the 512 kept for the answer: room for the last turns only
        using var client = Local(settings);

        var long_ = new string('A', 2_000);
        var reply = await client.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "small",
            messages = new[] { new { role = "user", content = long_ }, new { role = "assistant", content = "ok" }, new { role = "user", content = "hello" } },
        });

        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        var seen = Assert.Single(remoteModel.Requests).Messages;
        Assert.Equal("hello", seen[^1].Text);
        Assert.DoesNotContain(seen, m => m.Text.Contains(long_)); // the local model's 4,096-token window would have kept it
    }

    public void Dispose()
    {
        _localFactory.Dispose();
        _remoteFactory.Dispose();
    }
}
