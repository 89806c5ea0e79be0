using System.Text;
using Microsoft.Extensions.AI;

namespace ChatWeb.Chat;

/// <summary>
/// One message of the conversation as the page shows it. An assistant message grows while it
/// streams; <see cref="Changed"/> tells its view to re-render without re-rendering the whole list.
/// An assistant message keeps its thinking apart from its answer (<see cref="Text"/>): the thinking is
/// shown in its own panel and never sent back to the model.
/// </summary>
public sealed class ConversationMessage(ChatRole role, string text = "", MessageStatus status = MessageStatus.Complete)
{
    private readonly StringBuilder _text = new(text);
    private readonly StringBuilder _thinking = new();
    private string? _textCache = text;
    private string? _thinkingCache = "";

    public ChatRole Role { get; } = role;

    /// <summary>When the message was written (stored); null until it is stored. Shown on hover.</summary>
    public DateTimeOffset? At { get; set; }
    public MessageStatus Status { get; private set; } = status;
    public string? Error { get; private set; }

    /// <summary>Grows by one with every change; views compare it to skip needless renders.</summary>
    public int Version { get; private set; }

    /// <summary>The answer (or the user's prompt), without the thinking.</summary>
    public string Text => _textCache ??= _text.ToString();

    /// <summary>The model's thoughts before its answer; empty when it did not think.</summary>
    public string Thinking => _thinkingCache ??= _thinking.ToString();

    /// <summary>When the first thought arrived; null when the model did not think.</summary>
    public DateTimeOffset? ThinkingStartedAt { get; private set; }

    /// <summary>How long the model thought; null while it is still thinking or never did.</summary>
    public TimeSpan? ThinkingDuration { get; private set; }

    /// <summary>True while thoughts stream in and the answer has not started.</summary>
    public bool IsThinking => Status == MessageStatus.Streaming && ThinkingStartedAt is not null && ThinkingDuration is null;

    /// <summary>Tokens the model produced for this answer (thinking included), once known.</summary>
    public int? OutputTokens { get; private set; }

    /// <summary>Time from the first token to the last, once the answer is finished (the queue and the prompt not counted).</summary>
    public TimeSpan? GenerationTime { get; private set; }

    /// <summary>
    /// Tokens per second after the first token: the one definition ChatWeb uses everywhere (the live
    /// figure while answering, the APIs' timings, the scheduler's metrics). Null for fewer than two tokens.
    /// </summary>
    public double? TokensPerSecond =>
        OutputTokens is > 1 and var tokens && GenerationTime is { TotalSeconds: > 0 } time ? (tokens - 1) / time.TotalSeconds : null;

    /// <summary>Its place among its alternatives (regenerated answers, edited prompts); only one unless it has some.</summary>
    public BranchPosition Branch { get; set; } = BranchPosition.Only;

    /// <summary>A finished message as it was saved: its answer, its thoughts and its figures.</summary>
    public static ConversationMessage Restore(ChatRole role, string text, MessageStatus status, string? error = null,
        string? thinking = null, TimeSpan? thinkingDuration = null, int? outputTokens = null, TimeSpan? generationTime = null)
    {
        var message = new ConversationMessage(role, text, status)
        {
            Error = error,
            ThinkingDuration = thinkingDuration,
            OutputTokens = outputTokens,
            GenerationTime = generationTime,
        };
        message._thinking.Append(thinking);
        message._thinkingCache = null;
        return message;
    }

    /// <summary>Raised after every change, on the caller's thread.</summary>
    public event Action? Changed;

    public void Append(string piece)
    {
        if (piece.Length == 0)
            return;
        _text.Append(piece);
        _textCache = null;
        Touch();
    }

    public void AppendThinking(string piece, DateTimeOffset now)
    {
        if (piece.Length == 0)
            return;
        ThinkingStartedAt ??= now;
        _thinking.Append(piece);
        _thinkingCache = null;
        Touch();
    }

    /// <summary>The answer so far turned out to be thinking (the template had opened the block).</summary>
    public void MoveAnswerToThinking(DateTimeOffset startedAt)
    {
        ThinkingStartedAt ??= startedAt;
        _thinking.Insert(0, Text);
        _text.Clear();
        _textCache = _thinkingCache = null;
        Touch();
    }

    public void EndThinking(TimeSpan duration)
    {
        if (ThinkingStartedAt is null || ThinkingDuration is not null)
            return;
        ThinkingDuration = duration;
        Touch();
    }

    public void Finish(MessageStatus status, string? error = null, int? outputTokens = null, TimeSpan? generationTime = null)
    {
        Status = status;
        Error = error;
        OutputTokens = outputTokens;
        GenerationTime = generationTime;
        Touch();
    }

    private void Touch()
    {
        Version++;
        Changed?.Invoke();
    }
}
