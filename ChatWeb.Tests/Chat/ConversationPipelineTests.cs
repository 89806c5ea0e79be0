using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using Bunit;
using ChatWeb.Chat;
using ChatWeb.Engine.Chat;
using ChatWeb.Engine.Hosting;
using ChatWeb.Engine.Scheduling;
using ChatWeb.Library;
using ChatWeb.Storage;
using ChatWeb.Terminal;
using ChatWeb.Tests.Api;
using ChatWeb.Tests.Components;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Chat;

/// <summary>
/// The same conversation through the chat page's service, <c>/api/chat</c>, <c>/ws/chat</c> and the
/// terminal, against a backend that reports a small context window: every interface sends the model
/// the same trimmed prompt (one system message: the preset's text, then its extra instructions; then
/// the newest turns that fit).
/// </summary>
public sealed class ConversationPipelineTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    private const string PresetName = "Pirate", PresetText = "Be a pirate.", PresetExtra = "Say arr.";
    private const int AnswerTokens = 100;

    // 300-token window less 100 for the answer: 200 for the prompt. The system message costs 10, a prompt
    // 54 (200 characters), an earlier turn 59 (its answer "ok" 5): the newest prompt and two earlier turns fit.
    private static readonly string[] Prompts = [.. Enumerable.Range(1, 5).Select(i => $"{i}" + new string('x', 199))];

    private static readonly (ChatRole, string)[] Expected =
    [
        (ChatRole.System, "Be a pirate.\n\nSay arr."),
        (ChatRole.User, Prompts[2]), (ChatRole.Assistant, "ok"),
        (ChatRole.User, Prompts[3]), (ChatRole.Assistant, "ok"),
        (ChatRole.User, Prompts[4]),
    ];

    [Fact]
    public async Task TheSameConversation_GetsTheSameTrimmedPrompt_OnThePage_TheApi_TheWebSocket_AndTheTerminal()
    {
        var page = await ThroughThePageAsync();
        var api = await ThroughTheChatApiAsync();
        var socket = await ThroughTheWebSocketAsync();
        var terminal = await ThroughTheTerminalAsync();

        Assert.Equal(Expected, page);
        Assert.Equal(Expected, api);
        Assert.Equal(Expected, socket);
        Assert.Equal(Expected, terminal);
    }

    [Fact]
    public async Task ATerminalChatLongerThanTheContext_KeepsAnswering()
    {
        var model = new ContextLimitedChatClient(SmallContext.Window);
        var session = new ChatSession(model, new TurnBuilder(new ConversationOptions { AnswerTokens = AnswerTokens }, new SmallContext()));
        var lines = string.Join("\n", Enumerable.Range(1, 12).Select(i => $"question {i} " + new string('y', 300))) + "\n/exit\n";
        var output = new StringWriter();

        var code = await new TerminalChat(session, InferenceStatus.Demo("test"), new StringReader(lines), output, TerminalStyle.For(redirected: true))
            .RunAsync();

        // Twelve prompts of ~80 tokens each would be ~1000 tokens; the window holds 300: without trimming the
        // backend refuses from the fourth prompt on.
        Assert.Equal(0, code);
        Assert.Equal(12, model.Answered);
        Assert.DoesNotContain("error:", output.ToString());
        Assert.Contains("earlier messages left out to fit the model's context", output.ToString());
    }

    private static (ChatRole, string)[] Shape(IEnumerable<ChatMessage> messages) => [.. messages.Select(m => (m.Role, m.Text))];

    private static async Task<(ChatRole, string)[]> ThroughThePageAsync()
    {
        var model = new RecordingChatClient { Reply = ["ok"] };
        await using var context = new BunitContext();
        context.Services.AddSingleton<IChatClient>(model);
        context.Services.AddSingleton<IInferenceStatus>(new FakeInferenceStatus(InferenceStatus.Demo("test")));
        context.Services.AddChatSurfaceForTests();
        context.Services.AddChatHistoryForTests();
        context.Services.AddSingleton<ITokenCounter, SmallContext>();
        context.Services.Configure<ConversationOptions>(o => o.AnswerTokens = AnswerTokens);
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        var preset = context.Services.GetRequiredService<PresetStore>().Create(PresetName, PresetText, PresetExtra, "tests");
        var conversation = context.Services.GetRequiredService<ConversationService>();

        await conversation.ShowAsync(null);
        conversation.ChoosePreset(preset.Id);
        foreach (var prompt in Prompts)
        {
            conversation.Draft = prompt;
            await conversation.SendAsync();
        }

        Assert.Equal(4, conversation.LeftOut); // what the page reports
        return Shape(model.Requests[^1].Messages);
    }

    private WebApplicationFactory<Program> App(RecordingChatClient model)
    {
        var app = factory.WithWebHostBuilder(builder =>
        {
            builder.UseSetting("ChatWeb:Conversations:AnswerTokens", $"{AnswerTokens}");
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<IChatClient>(model);
                services.AddSingleton<ITokenCounter, SmallContext>();
            });
        });
        app.Services.GetRequiredService<PresetStore>().Create(PresetName, PresetText, PresetExtra, "tests");
        return app;
    }

    private async Task<(ChatRole, string)[]> ThroughTheChatApiAsync()
    {
        var model = new RecordingChatClient { Reply = ["ok"] };
        using var client = ChatWebFactory.Keyed(App(model).CreateClient());
        string? id = null;
        foreach (var prompt in Prompts)
        {
            var response = await client.PostAsJsonAsync("/api/chat/sync", new { message = prompt, conversationId = id, preset = id is null ? PresetName : null });
            response.EnsureSuccessStatusCode();
            id = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("conversationId").GetString();
        }
        return Shape(model.Requests[^1].Messages);
    }

    private async Task<(ChatRole, string)[]> ThroughTheWebSocketAsync()
    {
        var model = new RecordingChatClient { Reply = ["ok"] };
        var server = App(model).Server;
        var client = server.CreateWebSocketClient();
        client.ConfigureRequest = request => request.Headers.Authorization = $"Bearer {ChatWebFactory.Key}";
        using var socket = await client.ConnectAsync(new UriBuilder(server.BaseAddress) { Scheme = "ws", Path = "/ws/chat" }.Uri, CancellationToken.None);
        for (var i = 0; i < Prompts.Length; i++)
        {
            await ChatSocketTests.SendAsync(socket, i == 0
                ? new { type = "chat", id = "c", message = Prompts[i], preset = PresetName }
                : (object)new { type = "chat", id = "c", message = Prompts[i] });
            await ChatSocketTests.ReadUntilAsync(socket, m => ChatSocketTests.Is(m, "event", "c") && m.GetProperty("event").GetString() == "done");
        }
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        return Shape(model.Requests[^1].Messages);
    }

    private static async Task<(ChatRole, string)[]> ThroughTheTerminalAsync()
    {
        var model = new RecordingChatClient { Reply = ["ok"] };
        var session = new ChatSession(model, new TurnBuilder(new ConversationOptions { AnswerTokens = AnswerTokens }, new SmallContext()));
        session.SystemPrompts.AddRange([PresetText, PresetExtra]);
        var input = new StringReader(string.Join("\n", Prompts) + "\n/exit\n");

        await new TerminalChat(session, InferenceStatus.Demo("test"), input, new StringWriter(), TerminalStyle.For(redirected: true)).RunAsync();

        Assert.Equal(4, session.LeftOut);
        return Shape(model.Requests[^1].Messages);
    }

    /// <summary>A backend whose model reports a 300-token context window; about four characters a token.</summary>
    private sealed class SmallContext : ITokenCounter
    {
        public const int Window = 300;

        public bool IsExact => true;

        public int? ContextTokens => Window;

        public int Count(string text) => (text.Length + 3) / 4;
    }

    /// <summary>Refuses a prompt longer than the context as the engine's scheduler does; else answers "ok".</summary>
    private sealed class ContextLimitedChatClient(int window) : IChatClient
    {
        public int Answered { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
            ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var tokens = messages.Sum(m => new SmallContext().Count(m.Text) + ContextTrimmer.PerMessageTokens);
            if (tokens > window - 1)
                throw new PromptTooLongException(tokens, window - 1);
            await Task.Yield();
            Answered++;
            yield return new ChatResponseUpdate(ChatRole.Assistant, "ok");
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() { }
    }
}
