using Markdig.Renderers;
using Markdig.Renderers.Html.Inlines;
using Markdig.Syntax.Inlines;

namespace ChatWeb.Markdown;

/// <summary>
/// Writes links from a model's answer so that none can run script or fetch anything by itself:
/// a target other than http(s)/mailto becomes plain text, an image becomes a link to it (never
/// loaded), and every link opens in a new tab without a referrer or access to this page.
/// </summary>
internal sealed class SafeLinkRenderer : LinkInlineRenderer
{
    protected override void Write(HtmlRenderer renderer, LinkInline link)
    {
        var url = link.GetDynamicUrl?.Invoke() ?? link.Url;
        if (!SafeUrl.IsAllowed(url))
        {
            renderer.Write("<span class=\"md-blocked-link\" title=\"Link removed: only http, https and mailto links are allowed\">");
            renderer.WriteChildren(link);
            renderer.Write("</span>");
            return;
        }

        renderer.Write("<a href=\"").WriteEscapeUrl(url).Write('"');
        if (!string.IsNullOrEmpty(link.Title))
            renderer.Write(" title=\"").WriteEscape(link.Title).Write('"');
        renderer.Write(link.IsImage ? " class=\"md-image-link\"" : "");
        renderer.Write(" target=\"_blank\" rel=\"noopener noreferrer nofollow\">");
        if (link.IsImage)
            renderer.Write("Image: ");
        renderer.WriteChildren(link);
        renderer.Write("</a>");
    }
}
