using Bunit;
using ChatWeb.Components.Chat;

namespace ChatWeb.Tests.Components;

public sealed class FrozenHtmlTests : BunitContext
{
    [Fact]
    public void FrozenHtml_NeverRendersAgain_EvenWhenGivenNewHtml()
    {
        var frozen = Render<FrozenHtml>(p => p.Add(c => c.Html, "<p>first</p>"));

        frozen.Render(p => p.Add(c => c.Html, "<p>second</p>"));

        Assert.Equal("first", frozen.Find("p").TextContent);
        Assert.Equal(1, frozen.RenderCount);
    }
}
