using System.Runtime.CompilerServices;
using ChatWeb.Chat;
using ChatWeb.Engine.Chat;
using ChatWeb.Library;
using ChatWeb.Tests.Api;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Library;

public sealed class ChatSessionTests
{
    [Fact]
    public async Task SendAsync_YieldsThinkingTokens_AnswerTokens_ThenCompletedWithUsage()
    {
        var session = new ChatSession(new RecordingChatClient());

        var steps = await Collect(session.SendAsync("Hi"));

        Assert.Equal([new ThinkingToken("Let me see."), new AnswerToken("Fine"), new AnswerToken(" answer.")], steps[..^1]);
        var done = Assert.IsType<ChatCompleted>(steps[^1]);
        Assert.Equal(new ChatUsage(7, 6), done.Usage);
        Assert.Equal(13, done.Usage.TotalTokens);
        Assert.Equal("stop", done.FinishReason);
    }

    [Fact]
    public async Task SystemPrompts_AreOneSystemMessageFirst_AndTheTurnLimit_KeepsOnlyRecentTurns()
    {
        var model = new RecordingChatClient { Reply = ["ok"] };
        var session = new ChatSession(model, new TurnBuilder(new ConversationOptions { MaxTurns = 2 }, new EstimatedTokenCounter()));
        session.SystemPrompts.Add("Be brief.");
        session.SystemPrompts.Add("Use British spelling.");

        await Collect(session.SendAsync("one"));
        await Collect(session.SendAsync("two"));
        await Collect(session.SendAsync("three"));

        var sent = model.Requests[^1].Messages;
        Assert.Equal(["Be brief.\n\nUse British spelling.", "two", "ok", "three"], sent.Select(m => m.Text));
        Assert.Equal(ChatRole.System, sent[0].Role);
        Assert.Equal(2, session.LeftOut);
        Assert.Equal(6, session.History.Count);
    }

    [Fact]
    public async Task EveryTurnOfASession_HasTheSameOwner_SoTheEngineKeepsItsCache_UnlessTheCallerNamesOne()
    {
        var model = new RecordingChatClient { Reply = ["ok"] };
        var session = new ChatSession(model) { Options = new ChatOptions { Temperature = 0 } };
        var other = new ChatSession(model);

        await Collect(session.SendAsync("one"));
        await Collect(session.SendAsync("two"));
        await Collect(other.SendAsync("three"));
        await Collect(session.SendAsync("four", new ChatOptions().WithOwner("alice")));

        var owners = model.Requests.Select(r => r.Options.GetOwner()).ToList();
        Assert.NotNull(owners[0]);
        Assert.Equal(owners[0], owners[1]);
        Assert.NotEqual(owners[0], owners[2]);
        Assert.Equal("alice", owners[3]);
        Assert.Equal(0f, model.Requests[0].Options!.Temperature);
        Assert.Null(session.Options.GetOwner()); // the caller's options are left as they were
    }

    [Fact]
    public async Task AConversationLongerThanTheContext_SendsTheNewestTurnsThatFit()
    {
        var model = new RecordingChatClient { Reply = ["ok"] };
        // 256-token window, 200 for the answer: 56 for the prompt; each message costs its length/4 + 4.
        var session = new ChatSession(model, new TurnBuilder(new ConversationOptions { ContextTokens = 256, AnswerTokens = 200 },
            new EstimatedTokenCounter()));
        var longPrompt = new string('x', 80); // 20 + 4 tokens

        for (var i = 0; i < 5; i++)
            await Collect(session.SendAsync(longPrompt));

        // The newest turn (24) and the one before (24 + 5) fit 56 tokens; not a third.
        Assert.Equal([longPrompt, "ok", longPrompt], model.Requests[^1].Messages.Select(m => m.Text));
        Assert.Equal(6, session.LeftOut);
    }

    [Fact]
    public async Task Cancelling_KeepsThePartialAnswerInTheHistory()
    {
        var model = new RecordingChatClient { Hang = true };
        var session = new ChatSession(model);
        using var stop = new CancellationTokenSource();

        var reply = Collect(session.SendAsync("Write forever", cancellationToken: stop.Token));
        await model.Started.Task;
        Assert.True(session.IsBusy);
        await Assert.ThrowsAsync<InvalidOperationException>(() => Collect(session.SendAsync("Meanwhile?")));
        stop.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reply);
        Assert.False(session.IsBusy);
        Assert.Equal(["Write forever", "Starting"], session.History.Select(m => m.Text));
    }

    [Fact]
    public async Task APromptRefusedBeforeItsReplyBegan_DoesNotJoinTheHistory_SoTryingAgainDoesNotRepeatIt()
    {
        var model = new RecordingChatClient { Reply = ["ok"] };
        var session = new ChatSession(new RefuseFirstClient(model));

        await Assert.ThrowsAsync<ChatWeb.Engine.Scheduling.ServerBusyException>(() => Collect(session.SendAsync("Hi")));
        await Collect(session.SendAsync("Hi"));

        Assert.Equal(["Hi", "ok"], session.History.Select(m => m.Text));
        Assert.Equal(["Hi"], model.Requests[^1].Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task MaxHistoryCharacters_ForgetsTheOldestWholeTurns_AndCountsThem()
    {
        var session = new ChatSession(new RecordingChatClient { Reply = ["12345"] }) { MaxHistoryCharacters = 25 };

        foreach (var prompt in new[] { "first.....", "second....", "third....." })
            await Collect(session.SendAsync(prompt));

        // Each turn is 15 characters: only the newest fits in 25.
        Assert.Equal(["third.....", "12345"], session.History.Select(m => m.Text));
        Assert.Equal(4, session.Forgotten);
        Assert.Equal(15, session.HistoryCharacters);
    }

    [Fact]
    public async Task ReasoningContentFromTheClient_IsThinking()
    {
        var session = new ChatSession(new ReasoningClient());

        var steps = await Collect(session.SendAsync("Hi"));

        Assert.Equal([new ThinkingToken("pondering"), new AnswerToken("Answer")], steps[..^1]);
        Assert.Equal("Answer", session.History[^1].Text);
    }

    [Fact]
    public async Task Timings_MeasureTheFirstToken_TheWhole_AndTheSpeedAfterTheFirstToken()
    {
        var clock = new ManualTimeProvider();
        var session = new ChatSession(new TimedClient(clock)) { Time = clock };

        var done = Assert.IsType<ChatCompleted>((await Collect(session.SendAsync("Hi")))[^1]);

        // 100 ms to the first of 4 tokens, then 50 ms per token: 3 tokens in 150 ms.
        Assert.Equal(new ChatTimings(100, 250, 20), done.Timings);
        Assert.Equal(4, done.Usage.CompletionTokens);
    }

    private static async Task<List<ChatStep>> Collect(IAsyncEnumerable<ChatStep> steps)
    {
        var list = new List<ChatStep>();
        await foreach (var step in steps)
            list.Add(step);
        return list;
    }

    /// <summary>A client whose tokens take time on a manual clock: 100 ms to the first, 50 ms each after.</summary>
    private sealed class TimedClient(ManualTimeProvider clock) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
            ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            for (var i = 0; i < 4; i++)
            {
                clock.Advance(TimeSpan.FromMilliseconds(i == 0 ? 100 : 50));
                yield return new ChatResponseUpdate(ChatRole.Assistant, $"w{i} ");
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() { }
    }

    /// <summary>Refuses its first request as a full queue does (when the stream is first read), then answers through <paramref name="inner"/>.</summary>
    private sealed class RefuseFirstClient(IChatClient inner) : IChatClient
    {
        private int _calls;

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
            ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref _calls) == 1 ? Refuse() : inner.GetStreamingResponseAsync(messages, options, cancellationToken);

        private static async IAsyncEnumerable<ChatResponseUpdate> Refuse()
        {
            await Task.Yield();
            throw new ChatWeb.Engine.Scheduling.ServerBusyException(TimeSpan.FromSeconds(1));
#pragma warning disable CS0162 // an iterator needs a yield
            yield break;
#pragma warning restore CS0162
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() { }
    }

    /// <summary>A client that marks its reasoning as such instead of writing think tags.</summary>
    private sealed class ReasoningClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
            ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            yield return new ChatResponseUpdate { Role = ChatRole.Assistant, Contents = [new TextReasoningContent("pondering")] };
            yield return new ChatResponseUpdate(ChatRole.Assistant, "Answer");
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() { }
    }
}
