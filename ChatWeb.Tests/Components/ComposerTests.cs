using Bunit;
using ChatWeb.Components.Chat;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace ChatWeb.Tests.Components;

public sealed class ComposerTests : ComponentTestContext
{
    public ComposerTests() => RenderInteractively();

    private int _sends;
    private int _stops;


    private IRenderedComponent<Composer> RenderComposer(string text, bool streaming = false) =>
        Render<Composer>(p => p
            .Add(c => c.Text, text)
            .Add(c => c.IsStreaming, streaming)
            .Add(c => c.OnSend, () => _sends++)
            .Add(c => c.OnStop, () => _stops++));

    [Fact]
    public void Enter_SendsThePrompt()
    {
        var composer = RenderComposer("hello");
        composer.Find("textarea").KeyDown(new KeyboardEventArgs { Key = "Enter" });
        Assert.Equal(1, _sends);
    }

    [Fact]
    public void ShiftEnter_DoesNotSend()
    {
        var composer = RenderComposer("hello");
        composer.Find("textarea").KeyDown(new KeyboardEventArgs { Key = "Enter", ShiftKey = true });
        Assert.Equal(0, _sends);
    }

    [Fact]
    public void EmptyOrBlankPrompt_IsNotSent_AndSendIsDisabled()
    {
        var composer = RenderComposer("  \n ");
        composer.Find("textarea").KeyDown(new KeyboardEventArgs { Key = "Enter" });
        Assert.Equal(0, _sends);
        Assert.True(composer.Find("button.send").HasAttribute("disabled"));
    }

    [Fact]
    public void Typing_RaisesTextChanged()
    {
        string? seen = null;
        var composer = Render<Composer>(p => p
            .Add(c => c.Text, "")
            .Add(c => c.TextChanged, (string s) => seen = s)
            .Add(c => c.IsStreaming, false)
            .Add(c => c.OnSend, () => { })
            .Add(c => c.OnStop, () => { }));
        composer.Find("textarea").Input("draft");
        Assert.Equal("draft", seen);
    }

    [Fact]
    public void WhileStreaming_StopReplacesSend_AndEnterDoesNotSend()
    {
        var composer = RenderComposer("next question", streaming: true);
        Assert.Empty(composer.FindAll("button.send"));

        composer.Find("textarea").KeyDown(new KeyboardEventArgs { Key = "Enter" });
        composer.Find("button.stop").Click();

        Assert.Equal(0, _sends);
        Assert.Equal(1, _stops);
    }

    [Fact]
    public void BeforeTheCircuitIsInteractive_TheComposerIsDisabled()
    {
        SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        var composer = RenderComposer("hello");
        Assert.True(composer.Find("textarea").HasAttribute("disabled"));
        Assert.True(composer.Find("button.send").HasAttribute("disabled"));
    }
}
