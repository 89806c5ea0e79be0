using ChatWeb.Library;

namespace ChatWeb.Chat;

/// <summary>
/// Writes a reply's steps (<see cref="ChatStepStream"/>) into an assistant message: thinking and answer
/// apart, the thinking's duration on the message's clock, and at the end the stream's token count and
/// generation time. Time comes from the given <see cref="TimeProvider"/>.
/// </summary>
internal sealed class AnswerWriter(ConversationMessage message, TimeProvider time)
{
    private readonly long _startedAt = time.GetTimestamp();
    private long? _thinkingStartedAt;

    public ConversationMessage Message { get; } = message;

    public void Apply(ChatStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        switch (step)
        {
            case AnswerWasThinking:
                _thinkingStartedAt ??= _startedAt;
                Message.MoveAnswerToThinking(time.GetUtcNow() - time.GetElapsedTime(_startedAt));
                break;
            case ThinkingToken thinking:
                _thinkingStartedAt ??= time.GetTimestamp();
                Message.AppendThinking(thinking.Text, time.GetUtcNow());
                break;
            case AnswerToken answer:
                EndThinking();
                Message.Append(answer.Text);
                break;
        }
    }

    /// <summary>
    /// Ends the message: what the stream still held back is written, and the stream's figures
    /// (<see cref="ChatStepStream.Complete"/>: tokens, time from the first token to the last) are kept, also for a stopped or failed answer.
    /// </summary>
    public void Finish(MessageStatus status, ChatStepStream steps, string? error = null)
    {
        foreach (var step in steps.Flush())
            Apply(step);
        EndThinking();
        var completed = steps.Complete();
        Message.Finish(status, error, completed.Usage.CompletionTokens,
            TimeSpan.FromMilliseconds(completed.Timings.TotalMs - completed.Timings.FirstTokenMs));
    }

    private void EndThinking()
    {
        if (_thinkingStartedAt is { } started)
            Message.EndThinking(time.GetElapsedTime(started));
    }
}
