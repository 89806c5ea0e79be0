namespace ChatWeb.Chat;

/// <summary>Which part of a reasoning model's reply a piece of text belongs to.</summary>
public enum ReplyPhase
{
    Thinking,
    Answer,
}

/// <summary>
/// Splits a streamed reply into thinking and answer text at <c>&lt;think&gt;</c> and
/// <c>&lt;/think&gt;</c> tags, even when a tag arrives cut across pieces. A tail that could be the
/// start of a tag is held back until the next piece (or <see cref="Flush"/>) decides it.
/// </summary>
public sealed class ThinkSplitter
{
    private const string OpenTag = "<think>";
    private const string CloseTag = "</think>";

    private string _pending = "";
    private bool _skipNewLines;

    /// <summary>The phase of the text being read: <see cref="ReplyPhase.Thinking"/> inside a think block.</summary>
    public ReplyPhase Phase { get; private set; } = ReplyPhase.Answer;

    /// <summary>Takes the next piece and returns the text that is now decided, each with its phase.</summary>
    public IReadOnlyList<(ReplyPhase Phase, string Text)> Push(string piece)
    {
        var output = new List<(ReplyPhase, string)>();
        var text = _pending + piece;
        _pending = "";
        if (_skipNewLines)
        {
            // The blank line a model writes after </think> belongs to neither part.
            text = text.TrimStart('\r', '\n');
            _skipNewLines = text.Length == 0;
        }
        while (text.Length > 0)
        {
            var tag = Phase == ReplyPhase.Thinking ? CloseTag : OpenTag;
            var at = text.IndexOf(tag, StringComparison.Ordinal);
            if (at >= 0)
            {
                Emit(output, text[..at]);
                Phase = Phase == ReplyPhase.Thinking ? ReplyPhase.Answer : ReplyPhase.Thinking;
                text = text[(at + tag.Length)..];
                if (Phase == ReplyPhase.Answer)
                {
                    text = text.TrimStart('\r', '\n');
                    _skipNewLines = text.Length == 0;
                }
                continue;
            }

            var keep = LongestTagPrefixAtEnd(text, tag);
            Emit(output, text[..^keep]);
            _pending = text[^keep..];
            break;
        }
        return output;
    }

    /// <summary>Returns whatever is still held back (a tail that turned out not to be a tag).</summary>
    public IReadOnlyList<(ReplyPhase Phase, string Text)> Flush()
    {
        var output = new List<(ReplyPhase, string)>();
        Emit(output, _pending);
        _pending = "";
        return output;
    }

    private void Emit(List<(ReplyPhase, string)> output, string text)
    {
        if (text.Length > 0)
            output.Add((Phase, text));
    }

    private static int LongestTagPrefixAtEnd(string text, string tag)
    {
        for (var length = Math.Min(tag.Length - 1, text.Length); length > 0; length--)
        {
            if (text.AsSpan(text.Length - length).SequenceEqual(tag.AsSpan(0, length)))
                return length;
        }
        return 0;
    }
}
