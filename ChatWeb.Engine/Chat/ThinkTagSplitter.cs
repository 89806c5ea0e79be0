namespace ChatWeb.Engine.Chat;

/// <summary>
/// Splits a model's streamed text into its thinking and its answer, one piece at a time.
/// The thinking is a <c>&lt;think&gt;…&lt;/think&gt;</c> block at the very start of the output. Tags may
/// arrive split across pieces ("&lt;thi" + "nk&gt;"), so a piece's tail that could still become a tag is
/// held back until the next piece decides it. When the chat template already opened the block, the
/// output has no opening tag: the first "&lt;/think&gt;" then reveals that everything before it was
/// thinking (<see cref="ThinkSplit.EarlierAnswerWasThinking"/>), unless the caller said so up front.
/// Only one block is recognised: later tags, and a "&lt;think&gt;" inside the thoughts, are plain text.
/// </summary>
public sealed class ThinkTagSplitter(bool startsInsideThink = false)
{
    private const string OpenTag = "<think>";
    private const string CloseTag = "</think>";

    private enum State { Start, Thinking, Answer, AnswerAfterThinking }

    private State _state = startsInsideThink ? State.Thinking : State.Start;
    private string _held = "";

    /// <summary>Takes the next piece of output and says which part of it is thinking and which is answer.</summary>
    public ThinkSplit Push(string piece)
    {
        ArgumentNullException.ThrowIfNull(piece);
        var text = _held + piece;
        _held = "";
        var thinking = "";
        var answer = "";
        var earlierAnswerWasThinking = false;

        if (_state == State.Start)
        {
            var trimmed = text.TrimStart();
            if (trimmed.StartsWith(OpenTag, StringComparison.Ordinal))
            {
                _state = State.Thinking;
                text = trimmed[OpenTag.Length..];
            }
            else if (OpenTag.StartsWith(trimmed, StringComparison.Ordinal))
            {
                _held = text; // blank so far, or the beginning of "<think>"
                return ThinkSplit.Nothing;
            }
            else
            {
                _state = State.Answer;
            }
        }

        if (_state == State.Thinking)
        {
            var close = text.IndexOf(CloseTag, StringComparison.Ordinal);
            if (close < 0)
            {
                (thinking, _held) = SplitOffPossibleTagStart(text, CloseTag);
                return new ThinkSplit(thinking, "", false);
            }
            thinking = text[..close];
            text = text[(close + CloseTag.Length)..];
            _state = State.AnswerAfterThinking;
        }
        else if (_state == State.Answer)
        {
            // No opening tag was seen: a closing tag means the template had opened the block.
            var close = text.IndexOf(CloseTag, StringComparison.Ordinal);
            if (close < 0)
            {
                (answer, _held) = SplitOffPossibleTagStart(text, CloseTag);
                return new ThinkSplit("", answer, false);
            }
            earlierAnswerWasThinking = true;
            thinking = text[..close];
            text = text[(close + CloseTag.Length)..];
            _state = State.AnswerAfterThinking;
        }

        answer = text;
        return new ThinkSplit(thinking, answer, earlierAnswerWasThinking);
    }

    /// <summary>Ends the stream: whatever was held back is released as the part it belongs to.</summary>
    public ThinkSplit Flush()
    {
        var held = _held;
        _held = "";
        return _state == State.Thinking ? new ThinkSplit(held, "", false) : new ThinkSplit("", held, false);
    }

    /// <summary>Splits text into what is certainly not a tag and a tail that might begin one.</summary>
    private static (string Safe, string Held) SplitOffPossibleTagStart(string text, string tag)
    {
        for (var length = Math.Min(tag.Length - 1, text.Length); length > 0; length--)
        {
            if (text.AsSpan(text.Length - length).SequenceEqual(tag.AsSpan(0, length)))
                return (text[..^length], text[^length..]);
        }
        return (text, "");
    }
}

/// <summary>One piece of output split into thinking (which comes first) and answer.</summary>
/// <param name="EarlierAnswerWasThinking">True when a closing tag without an opening one showed that
/// the answer received so far was in fact thinking; it belongs before <paramref name="Thinking"/>.</param>
public readonly record struct ThinkSplit(string Thinking, string Answer, bool EarlierAnswerWasThinking)
{
    /// <summary>No thinking, no answer.</summary>
    public static ThinkSplit Nothing { get; } = new("", "", false);
}
