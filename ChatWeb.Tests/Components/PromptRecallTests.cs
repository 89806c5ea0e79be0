using Bunit;
using ChatWeb.Components.Chat;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace ChatWeb.Tests.Components;

public sealed class PromptRecallTests : ComponentTestContext
{
    public PromptRecallTests() => RenderInteractively();

    private string _pageText = "";


    private IRenderedComponent<Composer> RenderComposer(string text = "") =>
        Render<Composer>(p => p
            .Add(c => c.Text, text)
            .Add(c => c.TextChanged, t => _pageText = t)
            .Add(c => c.IsStreaming, false)
            .Add(c => c.History, ["first prompt", "second prompt"])
            .Add(c => c.OnSend, () => { })
            .Add(c => c.OnStop, () => { }));

    private static void Press(IRenderedComponent<Composer> composer, string key) =>
        composer.Find("textarea").KeyDown(new KeyboardEventArgs { Key = key });

    private static string Box(IRenderedComponent<Composer> composer) => composer.Find("textarea").GetAttribute("value") ?? "";

    [Fact]
    public void Up_InAnEmptyBox_WalksBackThroughEarlierPrompts_AndDownComesBack()
    {
        var composer = RenderComposer();

        Press(composer, "ArrowUp");
        Assert.Equal("second prompt", Box(composer));
        Assert.Equal("second prompt", _pageText);
        Press(composer, "ArrowUp");
        Assert.Equal("first prompt", Box(composer));
        Press(composer, "ArrowUp");
        Assert.Equal("first prompt", Box(composer));

        Press(composer, "ArrowDown");
        Assert.Equal("second prompt", Box(composer));
        Press(composer, "ArrowDown");
        Assert.Equal("", Box(composer));
    }

    [Fact]
    public void Up_NeverReplacesTextTheUserTyped()
    {
        var composer = RenderComposer();
        composer.Find("textarea").Input("my own draft");

        Press(composer, "ArrowUp");

        Assert.Equal("my own draft", Box(composer));
    }
}
