using Markdig;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Renderers.Html.Inlines;
using Markdig.Syntax;

namespace ChatWeb.Markdown;

/// <summary>
/// Turns a model's markdown into HTML that is safe to put in the page: raw HTML is shown as text
/// (never interpreted), links go only to http(s)/mailto, images are never fetched. Tables, task
/// lists, strikethrough, bare URLs, fenced code and math ($…$, $$…$$, left as escaped text for KaTeX) are supported; nothing that lets the text set
/// attributes (Markdig's generic attributes) is enabled.
/// </summary>
internal static class SafeMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseTaskLists()
        .UseEmphasisExtras()
        .UseAutoLinks()
        .UseMathematics() // $…$ and $$…$$ stay escaped text in a .math element; the browser typesets it with KaTeX
        .DisableHtml()
        .Build();

    public static MarkdownDocument Parse(string markdown) => Markdig.Markdown.Parse(markdown, Pipeline);

    public static string ToHtml(string markdown) => Render(Parse(markdown));

    public static string Render(MarkdownDocument document)
    {
        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.ObjectRenderers.Replace<LinkInlineRenderer>(new SafeLinkRenderer());
        renderer.ObjectRenderers.Replace<AutolinkInlineRenderer>(new SafeAutolinkRenderer());
        renderer.ObjectRenderers.Replace<CodeBlockRenderer>(new CodeBlockWithCopyRenderer());
        renderer.ObjectRenderers.Replace<Markdig.Extensions.TaskLists.HtmlTaskListRenderer>(new LabelledTaskListRenderer());
        renderer.Render(document);
        writer.Flush();
        return writer.ToString();
    }
}
