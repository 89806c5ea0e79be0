using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;

namespace ChatWeb.Markdown;

/// <summary>
/// Writes a code block inside a frame with its language and a Copy button. The code is escaped;
/// highlighting happens in the browser (highlight.js) once the block is finished.
/// </summary>
internal sealed class CodeBlockWithCopyRenderer : HtmlObjectRenderer<CodeBlock>
{
    protected override void Write(HtmlRenderer renderer, CodeBlock block)
    {
        var language = block is FencedCodeBlock fenced ? LanguageName(fenced.Info) : "";
        renderer.EnsureLine();
        renderer.Write("<div class=\"code-block\"><div class=\"code-bar\"><span class=\"code-language\">")
            .Write(language.Length > 0 ? language : "code")
            .Write("</span><button type=\"button\" class=\"copy-code\">Copy</button></div><pre tabindex=\"0\"><code"); // focusable: a long line scrolls by keyboard too
        if (language.Length > 0)
            renderer.Write(" class=\"language-").Write(language).Write('"');
        renderer.Write('>');
        renderer.WriteLeafRawLines(block, true, true);
        renderer.Write("</code></pre></div>");
        renderer.EnsureLine();
    }

    /// <summary>The fence's language, kept only if it is a plain name (letters, digits, + - # _ .).</summary>
    private static string LanguageName(string? info)
    {
        var name = (info ?? "").Trim();
        if (name.Length > 40 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '#' or '_' or '.'))
            return "";
        return name.ToLowerInvariant();
    }
}
