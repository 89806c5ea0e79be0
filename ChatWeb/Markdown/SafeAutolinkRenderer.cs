using Markdig.Renderers;
using Markdig.Renderers.Html.Inlines;
using Markdig.Syntax.Inlines;

namespace ChatWeb.Markdown;

/// <summary>Writes &lt;scheme:target&gt; autolinks; any scheme but http(s)/mailto stays plain text.</summary>
internal sealed class SafeAutolinkRenderer : AutolinkInlineRenderer
{
    protected override void Write(HtmlRenderer renderer, AutolinkInline link)
    {
        var url = link.IsEmail ? "mailto:" + link.Url : link.Url;
        if (!SafeUrl.IsAllowed(url))
        {
            renderer.WriteEscape(link.Url);
            return;
        }
        renderer.Write("<a href=\"").WriteEscapeUrl(url)
            .Write("\" target=\"_blank\" rel=\"noopener noreferrer nofollow\">")
            .WriteEscape(link.Url).Write("</a>");
    }
}
