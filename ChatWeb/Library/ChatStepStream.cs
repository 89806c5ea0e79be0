using System.Runtime.CompilerServices;
using ChatWeb.Engine.Chat;
using Microsoft.Extensions.AI;

namespace ChatWeb.Library;

/// <summary>
/// The one reader of an <see cref="IChatClient"/>'s streamed updates, for every interface (the chat
/// page, SSE, the WebSocket, <c>/v1</c>, chains, the terminal, <see cref="ChatSession"/>). It turns them
/// into <see cref="ChatStep"/>s: text split into thinking and answer at &lt;think&gt; tags by the engine's
/// <see cref="ThinkTagSplitter"/> (reasoning content the client marks as such is thinking too), blank
/// space before the answer dropped, the scheduler's progress (<see cref="InferenceChatExtensions.GetProgress"/>),
/// and at the end usage (the client's, else the pieces counted) and timings, also for a reply cut short
/// (<see cref="Complete"/>). A backend that streams past <see cref="ChatOptions.MaxOutputTokens"/> is
/// stopped there (finish reason "length"); stop sequences are left to the backend.
/// </summary>
public sealed class ChatStepStream(TimeProvider time, bool startsInsideThink = false)
{
    private readonly ThinkTagSplitter _splitter = new(startsInsideThink);
    private readonly long _started = time.GetTimestamp();
    private long? _firstToken;
    private bool _answerStarted;
    private UsageDetails? _usage;

    /// <summary>Text and reasoning pieces read so far (the completion tokens when the client reports none).</summary>
    public int Pieces { get; private set; }

    /// <summary>"length" once the client said it stopped at the token limit, "tool_calls" when it called functions; else "stop".</summary>
    public string FinishReason { get; private set; } = "stop";

    /// <summary>Streams a reply to <paramref name="messages"/> as steps, ending with <see cref="ChatCompleted"/>.</summary>
    public static IAsyncEnumerable<ChatStep> StreamAsync(IChatClient client, IReadOnlyList<ChatMessage> messages, ChatOptions? options,
        TimeProvider time, CancellationToken cancellationToken) =>
        new ChatStepStream(time).ReadAllAsync(client, messages, options, cancellationToken);

    /// <summary>Streams a reply to <paramref name="messages"/> as steps, ending with <see cref="ChatCompleted"/>.</summary>
    public async IAsyncEnumerable<ChatStep> ReadAllAsync(IChatClient client, IReadOnlyList<ChatMessage> messages, ChatOptions? options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var limit = options?.MaxOutputTokens ?? int.MaxValue;
        await foreach (var update in client.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            if (Pieces >= limit && update.Contents.Any(c => c is TextContent or TextReasoningContent))
            {
                // Leaving the loop disposes the stream, which ends the generation.
                FinishReason = "length";
                break;
            }
            foreach (var step in Read(update))
                yield return step;
        }
        foreach (var step in Flush())
            yield return step;
        yield return Complete();
    }

    /// <summary>The steps in one update.</summary>
    public IEnumerable<ChatStep> Read(ChatResponseUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (update.FinishReason == ChatFinishReason.Length)
            FinishReason = "length";
        else if (update.FinishReason == ChatFinishReason.ToolCalls)
            FinishReason = "tool_calls";
        if (update.GetProgress() is { } progress)
            yield return new ProgressStep(progress);
        if (update.GetLogprob() is { } logprob)
            yield return new LogprobStep(logprob);
        foreach (var content in update.Contents)
        {
            switch (content)
            {
                case UsageContent u:
                    _usage = u.Details;
                    break;
                case FunctionCallContent call:
                    yield return new ToolCallStep(call);
                    break;
                case TextReasoningContent reasoning when reasoning.Text.Length > 0:
                    Counted();
                    yield return new ThinkingToken(reasoning.Text);
                    break;
                case TextContent text when text.Text.Length > 0:
                    Counted();
                    foreach (var step in Steps(_splitter.Push(text.Text)))
                        yield return step;
                    break;
            }
        }
    }

    /// <summary>The text held back for a possible tag, at the end of the stream.</summary>
    public IEnumerable<ChatStep> Flush() => Steps(_splitter.Flush());

    /// <summary>Usage and timings up to now: at the end of the stream, or when it was stopped or failed.</summary>
    public ChatCompleted Complete()
    {
        var total = time.GetElapsedTime(_started);
        var first = _firstToken is { } t ? time.GetElapsedTime(_started, t) : total;
        var completionTokens = (int)(_usage?.OutputTokenCount ?? Pieces);
        var promptTokens = (int)(_usage?.InputTokenCount ?? 0);
        var decodeSeconds = (total - first).TotalSeconds;
        var tokensPerSecond = decodeSeconds > 0 && completionTokens > 1 ? (completionTokens - 1) / decodeSeconds : 0;
        return new ChatCompleted(
            new ChatUsage(promptTokens, completionTokens),
            new ChatTimings(Math.Round(first.TotalMilliseconds, 1), Math.Round(total.TotalMilliseconds, 1), Math.Round(tokensPerSecond, 2)),
            FinishReason);
    }

    private void Counted()
    {
        _firstToken ??= time.GetTimestamp();
        Pieces++;
    }

    private IEnumerable<ChatStep> Steps(ThinkSplit split)
    {
        if (split.EarlierAnswerWasThinking)
        {
            _answerStarted = false;
            yield return new AnswerWasThinking();
        }
        if (split.Thinking.Length > 0)
            yield return new ThinkingToken(split.Thinking);
        // Blank space between the thoughts and the answer is not yet an answer.
        var answer = _answerStarted ? split.Answer : split.Answer.TrimStart();
        if (answer.Length > 0)
        {
            _answerStarted = true;
            yield return new AnswerToken(answer);
        }
    }
}
