using AngleSharp.Html.Parser;
using ChatWeb.Markdown;

namespace ChatWeb.Tests.Markdown;

public sealed class SafeMarkdownTests
{
    private static AngleSharp.Html.Dom.IHtmlDocument Parse(string markdown) =>
        new HtmlParser().ParseDocument("<body>" + SafeMarkdown.ToHtml(markdown) + "</body>");

    /// <summary>Every attribute of every element: none may be an event handler or a script/data URL.</summary>
    private static void AssertNothingRuns(AngleSharp.Html.Dom.IHtmlDocument document)
    {
        foreach (var element in document.Body!.QuerySelectorAll("*"))
        {
            Assert.DoesNotContain(element.LocalName, new[] { "script", "iframe", "img", "object", "embed", "style", "svg", "form" });
            foreach (var attribute in element.Attributes)
            {
                Assert.False(attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"<{element.LocalName} {attribute.Name}>");
                Assert.False(attribute.Name is "style" or "src" or "srcdoc", $"<{element.LocalName} {attribute.Name}>");
                if (attribute.Name == "href")
                    Assert.Matches("^(https?|mailto):", attribute.Value);
            }
        }
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("before <script>alert(1)</script> after")]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("text <img src=x onerror=\"alert(1)\"> text")]
    [InlineData("<iframe src=\"javascript:alert(1)\"></iframe>")]
    [InlineData("<div onclick=\"alert(1)\" style=\"position:fixed\">x</div>")]
    [InlineData("<svg><script>alert(1)</script></svg>")]
    [InlineData("<a href=\"javascript:alert(1)\">x</a>")]
    public void RawHtml_IsShownAsText_NeverAsElements(string markdown)
    {
        var document = Parse(markdown);

        AssertNothingRuns(document);
        Assert.Contains(markdown.Split('>')[0].TrimStart('b', 'e', 'f', 'o', 'r', 't', 'x', ' '), document.Body!.TextContent);
    }

    [Theory]
    [InlineData("[x](javascript:alert(1))")]
    [InlineData("[x](JaVaScRiPt:alert(1))")]
    [InlineData("[x](  javascript:alert(1))")]
    [InlineData("[x](java&#x09;script:alert(1))")]
    [InlineData("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)")]
    [InlineData("[x](vbscript:msgbox)")]
    [InlineData("[x](file:///etc/passwd)")]
    [InlineData("[x](/relative/path)")]
    [InlineData("[x][ref]\n\n[ref]: javascript:alert(1)")]
    [InlineData("<javascript:alert(1)>")]
    public void LinksToAnythingButHttpOrMailto_BecomePlainText(string markdown)
    {
        var document = Parse(markdown);

        AssertNothingRuns(document);
        Assert.Empty(document.QuerySelectorAll("a"));
    }

    [Theory]
    [InlineData("[site](https://example.org/a?b=1)", "https://example.org/a?b=1")]
    [InlineData("[mail](mailto:someone@example.org)", "mailto:someone@example.org")]
    [InlineData("see https://example.org/page", "https://example.org/page")]
    [InlineData("<https://example.org>", "https://example.org")]
    public void HttpAndMailtoLinks_OpenInANewTab_WithoutReferrerOrOpener(string markdown, string href)
    {
        var link = Parse(markdown).QuerySelector("a")!;

        Assert.Equal(href, link.GetAttribute("href"));
        Assert.Equal("_blank", link.GetAttribute("target"));
        Assert.Contains("noopener", link.GetAttribute("rel"));
        Assert.Contains("noreferrer", link.GetAttribute("rel"));
    }

    [Theory]
    [InlineData("![a cat](https://example.org/cat.png)")]
    [InlineData("![a cat](http://127.0.0.1:9/pixel.png \"title\")")]
    public void Images_AreNeverFetched_TheyBecomeLinks(string markdown)
    {
        var document = Parse(markdown);

        Assert.Empty(document.QuerySelectorAll("img"));
        var link = document.QuerySelector("a.md-image-link")!;
        Assert.Contains("a cat", link.TextContent);
        AssertNothingRuns(document);
    }

    [Theory]
    [InlineData("![x](javascript:alert(1))")]
    [InlineData("![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)")]
    public void ImagesWithUnsafeTargets_BecomeText(string markdown)
    {
        var document = Parse(markdown);
        Assert.Empty(document.QuerySelectorAll("img, a"));
    }

    [Fact]
    public void HtmlEntities_StayText()
    {
        var document = Parse("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#60;b&#62;bold&#60;/b&#62;");

        AssertNothingRuns(document);
        Assert.Empty(document.QuerySelectorAll("b, script"));
        Assert.Equal("<script>alert(1)</script> & <b>bold</b>", document.Body!.TextContent.Trim());
    }

    [Fact]
    public void CodeBlocks_AreEscaped_AndGetALanguageAndACopyButton()
    {
        var document = Parse("```html\n<script>alert(1)</script>\n```");

        AssertNothingRuns(document);
        Assert.Equal("<script>alert(1)</script>\n", document.QuerySelector("pre code.language-html")!.TextContent);
        Assert.Equal("html", document.QuerySelector(".code-language")!.TextContent);
        Assert.NotNull(document.QuerySelector(".code-block button.copy-code"));
    }

    [Fact]
    public void HostileFenceLanguage_IsDropped()
    {
        var document = Parse("```\"><img src=x onerror=alert(1)>\ncode\n```");

        AssertNothingRuns(document);
        Assert.Null(document.QuerySelector("code")!.GetAttribute("class"));
    }

    [Fact]
    public void GenericAttributes_AreNotEnabled()
    {
        var document = Parse("# Title {onclick=alert(1) #app}\n\n[x](https://example.org){onmouseover=alert(1)}");
        AssertNothingRuns(document);
        Assert.Null(document.QuerySelector("#app"));
    }

    [Fact]
    public void Tables_TaskLists_Lists_AndEmphasis_Render()
    {
        var document = Parse("| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] to do\n\n1. one\n2. two\n\n*em* **strong** ~~gone~~");

        Assert.Equal(2, document.QuerySelectorAll("td").Length);
        Assert.Equal(2, document.QuerySelectorAll("li.task-list-item input[type=checkbox][disabled]").Length);
        Assert.Equal(2, document.QuerySelectorAll("ol > li").Length);
        Assert.NotNull(document.QuerySelector("em"));
        Assert.NotNull(document.QuerySelector("strong"));
        Assert.NotNull(document.QuerySelector("del"));
    }

    [Theory]
    [InlineData("$<img src=x onerror=alert(1)>$")]
    [InlineData("$</span><script>alert(1)</script>$")]
    [InlineData("$\\href{javascript:alert(1)}{click}$")]
    [InlineData("$$\n</div><script>alert(1)</script><img src=x onerror=alert(1)>\n$$")]
    [InlineData("$$\n\\htmlStyle{position:fixed}{x}\n$$")]
    public void HostileMath_StaysTextInItsMathElement(string markdown)
    {
        var document = Parse(markdown);

        AssertNothingRuns(document);
        var math = Assert.Single(document.Body!.QuerySelectorAll(".math"));
        Assert.Empty(math.Children); // only text for KaTeX to read: no element came from the math
        Assert.Contains(markdown.Trim('$', '\n').Trim(), math.TextContent);
    }

    [Fact]
    public void Math_IsMarkedForKaTeX_InlineAndDisplay()
    {
        var document = Parse("Euler: $e^{i\\pi} + 1 = 0$\n\n$$\n\\frac{1}{3}\n$$");

        Assert.Equal("SPAN", document.Body!.QuerySelector("p .math")!.TagName);
        Assert.Contains("e^{i\\pi} + 1 = 0", document.Body.QuerySelector("p .math")!.TextContent);
        Assert.Contains("\\frac{1}{3}", document.Body.QuerySelector("div.math")!.TextContent);
    }

    [Fact]
    public void TaskListBoxes_HaveAnAccessibleName_AndStayReadOnly()
    {
        var document = Parse("- [x] written\n- [ ] tested");

        var boxes = document.Body!.QuerySelectorAll("input[type=checkbox]");
        Assert.Equal(["Done", "Not done"], boxes.Select(b => b.GetAttribute("aria-label")));
        Assert.All(boxes, b => Assert.True(b.HasAttribute("disabled")));
        Assert.True(boxes[0].HasAttribute("checked"));
    }
}
