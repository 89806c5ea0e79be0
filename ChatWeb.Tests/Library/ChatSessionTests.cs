using System.Runtime.CompilerServices;
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
    public async Task SystemPrompts_GoFirst_AndTheHistoryLimit_KeepsOnlyRecentTurns()
    {
        var model = new RecordingChatClient { Reply = ["ok"] };
        var session = new ChatSession(model) { MaxHistoryMessages = 2 };
        session.SystemPrompts.Add("Be brief.");
        session.SystemPrompts.Add("Use British spelling.");

        await Collect(session.SendAsync("one"));
        await Collect(session.SendAsync("two"));
        await Collect(session.SendAsync("three"));

        var sent = model.Requests[^1].Messages;
        Assert.Equal(["Be brief.", "Use British spelling.", "two", "ok", "three"], sent.Select(m => m.Text));
        Assert.Equal(6, session.History.Count);
    }

    [Fact]
    public async Task TrimHistory_DecidesWhatFollowsTheSystemPrompts()
    {
        var model = new RecordingChatClient { Reply = ["ok"] };
        var session = new ChatSession(model) { TrimHistory = (system, conversation) => [.. conversation.TakeLast(1)] };
        session.SystemPrompts.Add("Be brief.");

        await Collect(session.SendAsync("one"));
        await Collect(session.SendAsync("two"));

        Assert.Equal(["Be brief.", "two"], model.Requests[^1].Messages.Select(m => m.Text));
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
