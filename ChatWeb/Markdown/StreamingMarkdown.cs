using Markdig.Syntax;

namespace ChatWeb.Markdown;

/// <summary>
/// Renders a growing markdown answer without re-rendering what is finished. The text is cut into
/// a frozen part (blocks that later text can no longer change, each rendered to HTML once) and an
/// open tail (re-rendered on every update). A block can only merge with the block right before it
/// (a list item after a paragraph "2", a setext underline, a table's delimiter row), so the last two
/// top-level blocks stay open and everything before them freezes.
/// </summary>
internal sealed class StreamingMarkdown
{
    private readonly List<string> _frozen = [];
    private string _frozenSource = "";

    /// <summary>HTML of the finished parts, in order; an entry never changes once added.</summary>
    public IReadOnlyList<string> FrozenHtml => _frozen;

    /// <summary>Grows by one whenever the text was replaced rather than extended and the frozen parts started over.</summary>
    public int Restarts { get; private set; }

    /// <summary>HTML of the part that may still change.</summary>
    public string TailHtml { get; private set; } = "";

    /// <summary>Brings the HTML up to date with the whole text so far; when complete, everything freezes.</summary>
    public void Update(string text, bool complete)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_frozenSource.Length > 0 && !text.AsSpan().StartsWith(_frozenSource.AsSpan()))
            Reset(); // the text was replaced rather than extended

        var open = text[_frozenSource.Length..];
        if (complete)
        {
            Freeze(open);
            TailHtml = "";
            return;
        }

        var document = SafeMarkdown.Parse(open);
        var cut = FreezableLength(open, document);
        if (cut > 0)
        {
            Freeze(open[..cut]);
            document = SafeMarkdown.Parse(open[cut..]);
        }
        TailHtml = SafeMarkdown.Render(document); // the parse above serves the render unless part of it froze
    }

    private void Freeze(string markdown)
    {
        if (markdown.Length == 0)
            return;
        _frozen.Add(SafeMarkdown.ToHtml(markdown));
        _frozenSource += markdown;
    }

    private void Reset()
    {
        Restarts++;
        _frozen.Clear();
        _frozenSource = "";
    }

    /// <summary>Length of the leading text whose blocks are finished: up to the second-to-last block's first line.</summary>
    private static int FreezableLength(string markdown, MarkdownDocument document)
    {
        if (document.Count < 3)
            return 0;
        // The block's span, not its Line: a setext heading's Line is its underline.
        var start = document[^2].Span.Start;
        return start <= 0 ? 0 : markdown.LastIndexOf('\n', start - 1) + 1;
    }
}
