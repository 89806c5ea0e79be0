using Microsoft.Extensions.AI;
using ChatWeb.Engine.Chat;

namespace ChatWeb.Chat;

/// <summary>
/// Writes a model's streamed updates into an assistant message: thinking (from &lt;think&gt; tags or
/// from <see cref="TextReasoningContent"/>) and answer apart, the thinking's duration, and at the end
/// the token count and generation time. Time comes from the given <see cref="TimeProvider"/>.
/// </summary>
internal sealed class AnswerWriter(ConversationMessage message, TimeProvider time, bool startsInsideThink = false)
{
    private readonly ThinkTagSplitter _splitter = new(startsInsideThink);
    private readonly long _startedAt = time.GetTimestamp();
    private long? _thinkingStartedAt;
    private int _textUpdates;
    private int? _reportedOutputTokens;

    public ConversationMessage Message { get; } = message;

    public void Apply(ChatResponseUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        foreach (var content in update.Contents)
        {
            switch (content)
            {
                case TextReasoningContent reasoning:
                    _textUpdates++;
                    AppendThinking(reasoning.Text);
                    break;
                case TextContent text:
                    _textUpdates++;
                    Write(_splitter.Push(text.Text));
                    break;
                case UsageContent usage when usage.Details.OutputTokenCount is { } count:
                    _reportedOutputTokens = (int)count;
                    break;
            }
        }
    }

    /// <summary>Ends the message; the token count is the model's own when it reported one.</summary>
    public void Finish(MessageStatus status, string? error = null)
    {
        Write(_splitter.Flush());
        EndThinking();
        Message.Finish(status, error, _reportedOutputTokens ?? _textUpdates, time.GetElapsedTime(_startedAt));
    }

    private void Write(ThinkSplit split)
    {
        if (split.EarlierAnswerWasThinking)
        {
            _thinkingStartedAt ??= _startedAt;
            Message.MoveAnswerToThinking(time.GetUtcNow() - time.GetElapsedTime(_startedAt));
        }
        AppendThinking(split.Thinking);
        if (split.Answer.Length > 0)
        {
            // Blank space between the thoughts and the answer is not yet an answer.
            if (Message.Text.Length == 0 && string.IsNullOrWhiteSpace(split.Answer))
                return;
            EndThinking();
            Message.Append(Message.Text.Length == 0 ? split.Answer.TrimStart() : split.Answer);
        }
    }

    private void AppendThinking(string piece)
    {
        if (piece.Length == 0)
            return;
        _thinkingStartedAt ??= time.GetTimestamp();
        Message.AppendThinking(piece, time.GetUtcNow());
    }

    private void EndThinking()
    {
        if (_thinkingStartedAt is { } started)
            Message.EndThinking(time.GetElapsedTime(started));
    }
}
