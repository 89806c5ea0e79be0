using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ChatWeb.Engine.Chat;
using ChatWeb.Engine.Scheduling;
using ChatWeb.Tests;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using EngineRegistration = ChatWeb.Engine.Hosting.InferenceServiceCollectionExtensions;

namespace ChatWeb.Tests.Telemetry;

/// <summary>
/// The app's IChatClient is Microsoft.Extensions.AI's logging and OpenTelemetry middleware over the engine's client:
/// what the engine streams (progress included) arrives unchanged, a cancel reaches the engine, and message text
/// reaches the traces only when ChatWeb:Telemetry:IncludeContent says so.
/// </summary>
public sealed class ChatPipelineTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    [Fact]
    public async Task ProgressUpdatesAndCancellation_PassThroughThePipelineUnchanged()
    {
        var engine = new WaitingEngine();
        await using var app = factory.WithWebHostBuilder(b => b.ConfigureTestServices(s =>
            s.AddKeyedSingleton<IChatClient>(EngineRegistration.ChatClientKey, engine)));
        var client = app.Services.GetRequiredService<IChatClient>();
        Assert.NotNull(client.GetService<LoggingChatClient>());
        Assert.NotNull(client.GetService<OpenTelemetryChatClient>());
        using var cancel = new CancellationTokenSource();

        var seen = new List<ChatResponseUpdate>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: cancel.Token))
            {
                seen.Add(update);
                if (update.Text == "Hello")
                    await cancel.CancelAsync();
            }
        });

        Assert.Same(WaitingEngine.Queued, seen[0].GetProgress());
        Assert.Equal("Hello", seen[1].Text);
        Assert.Equal(2, seen.Count);
        Assert.True(engine.Cancelled.Task.IsCompletedSuccessfully);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ChatSpans_CarryThePromptAndAnswer_OnlyWhenIncludeContentIsSet(bool includeContent)
    {
        await using var app = factory.With(settings: new Dictionary<string, string>
        {
            ["ChatWeb:Telemetry:IncludeContent"] = includeContent.ToString(),
        });
        var client = app.Services.GetRequiredService<IChatClient>();
        var conversation = Guid.NewGuid().ToString("N");
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "ChatWeb.Chat",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        var answer = await client.GetResponseAsync("Say hello, secret-prompt", new ChatOptions { ConversationId = conversation });

        var span = Assert.Single(spans, s => (string?)s.GetTagItem("gen_ai.conversation.id") == conversation);
        Assert.NotNull(span.GetTagItem("gen_ai.usage.output_tokens"));
        var input = span.GetTagItem("gen_ai.input.messages") as string;
        var output = span.GetTagItem("gen_ai.output.messages") as string;
        if (includeContent)
        {
            Assert.Contains("secret-prompt", input);
            Assert.Contains(answer.Text[..10], output);
        }
        else
        {
            Assert.Null(input);
            Assert.Null(output);
        }
    }

    [Theory]
    [InlineData(true, LogLevel.Debug)]
    [InlineData(false, LogLevel.Error)]
    public async Task TheEnginesRefusals_AreLoggedAtDebug_AndRealFailuresAsErrors(bool busy, LogLevel expected)
    {
        Exception thrown = busy ? new ServerBusyException(TimeSpan.FromSeconds(3)) : new GenerationFailedException("The model failed.");
        var logs = new CapturedLogs();
        await using var app = factory.WithWebHostBuilder(b =>
        {
            b.ConfigureLogging(l => l.AddProvider(logs).AddFilter<CapturedLogs>("Microsoft.Extensions.AI", LogLevel.Debug));
            b.ConfigureTestServices(s => s.AddKeyedSingleton<IChatClient>(EngineRegistration.ChatClientKey, new FailingEngine(thrown)));
        });
        var client = app.Services.GetRequiredService<IChatClient>();

        var caught = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync("Hi")) { }
        });

        Assert.Same(thrown, caught);
        var failed = Assert.Single(logs.Entries, e => e.Message.Contains("GetStreamingResponseAsync failed"));
        Assert.Equal(expected, failed.Level);
        if (busy)
            Assert.Contains("The server is busy", failed.Message);
    }

    /// <summary>An engine that reports the request queued, says "Hello", and then waits until it is cancelled.</summary>
    private sealed class WaitingEngine : IChatClient
    {
        public static readonly GenerationProgress Queued = new(GenerationState.Queued, 1, TimeSpan.FromSeconds(3), 0, 0, 0, 0);

        public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
            ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            yield return new ChatResponseUpdate { Role = ChatRole.Assistant }.WithProgress(Queued);
            yield return new ChatResponseUpdate(ChatRole.Assistant, "Hello");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            finally
            {
                if (cancellationToken.IsCancellationRequested)
                    Cancelled.TrySetResult();
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() { }
    }

    private sealed class FailingEngine(Exception error) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw error;

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
            ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            throw error;
#pragma warning disable CS0162 // an iterator needs a yield
            yield break;
#pragma warning restore CS0162
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() { }
    }

    /// <summary>Keeps every log entry written through it (level and formatted message).</summary>
    private sealed class CapturedLogs : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, formatter(state, exception)));

        public void Dispose() { }
    }
}
