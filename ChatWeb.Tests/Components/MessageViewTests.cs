using Bunit;
using ChatWeb.Chat;
using ChatWeb.Components.Chat;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Components;

public sealed class MessageViewTests : BunitContext
{
    [Fact]
    public void StreamingMessage_GrowsWithEachPiece_AndShowsTheCursor()
    {
        var message = new ConversationMessage(ChatRole.Assistant, status: MessageStatus.Streaming);
        var view = Render<MessageView>(p => p.Add(v => v.Message, message));

        message.Append("Hello");
        view.WaitForAssertion(() => Assert.Equal("Hello", view.Find(".message-text").TextContent));
        message.Append(", world");
        view.WaitForAssertion(() => Assert.Equal("Hello, world", view.Find(".message-text").TextContent));

        Assert.Single(view.FindAll(".cursor"));
    }

    [Fact]
    public void FinishedMessage_HasNoCursor()
    {
        var message = new ConversationMessage(ChatRole.Assistant, "Done.", MessageStatus.Streaming);
        var view = Render<MessageView>(p => p.Add(v => v.Message, message));

        message.Finish(MessageStatus.Complete);

        view.WaitForAssertion(() => Assert.Empty(view.FindAll(".cursor")));
        Assert.Equal("Done.", view.Find(".message-text").TextContent);
    }

    [Fact]
    public void StoppedMessage_KeepsItsText_AndSaysItWasStopped()
    {
        var message = new ConversationMessage(ChatRole.Assistant, "Partial ans", MessageStatus.Streaming);
        var view = Render<MessageView>(p => p.Add(v => v.Message, message));

        message.Finish(MessageStatus.Stopped);

        view.WaitForAssertion(() => Assert.Contains("Stopped", view.Find(".message-note").TextContent));
        Assert.Equal("Partial ans", view.Find(".message-text").TextContent);
    }

    [Fact]
    public void FailedMessage_ShowsTheError()
    {
        var message = new ConversationMessage(ChatRole.Assistant, status: MessageStatus.Streaming);
        var view = Render<MessageView>(p => p.Add(v => v.Message, message));

        message.Finish(MessageStatus.Failed, "model crashed");

        view.WaitForAssertion(() => Assert.Contains("model crashed", view.Find(".message-error").TextContent));
    }

    [Fact]
    public void ModelText_IsShownAsText_NotAsMarkup()
    {
        var message = new ConversationMessage(ChatRole.Assistant, "<script>alert(1)</script>");
        var view = Render<MessageView>(p => p.Add(v => v.Message, message));

        Assert.Empty(view.FindAll("script"));
        Assert.Equal("<script>alert(1)</script>", view.Find(".message-text").TextContent);
    }
}
