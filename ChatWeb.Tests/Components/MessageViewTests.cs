using Bunit;
using ChatWeb.Chat;
using ChatWeb.Tests.Chat;
using ChatWeb.Components.Chat;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Components;

public sealed class MessageViewTests : ComponentTestContext
{

    private static string TextOf(IRenderedComponent<MessageView> view) => view.Find(".message-text").TextContent.Trim();

    [Fact]
    public void StreamingMessage_GrowsWithEachPiece_AndShowsTheCursor()
    {
        var message = new ConversationMessage(ChatRole.Assistant, status: MessageStatus.Streaming);
        var view = Render<MessageView>(p => p.Add(v => v.Message, message));

        message.Append("Hello");
        view.WaitForAssertion(() => Assert.Equal("Hello", TextOf(view)));
        message.Append(", world");
        view.WaitForAssertion(() => Assert.Equal("Hello, world", TextOf(view)));

        Assert.Single(view.FindAll(".cursor"));
    }

    [Fact]
    public void FinishedMessage_HasNoCursor()
    {
        var message = new ConversationMessage(ChatRole.Assistant, "Done.", MessageStatus.Streaming);
        var view = Render<MessageView>(p => p.Add(v => v.Message, message));

        message.Finish(MessageStatus.Complete);

        view.WaitForAssertion(() => Assert.Empty(view.FindAll(".cursor")));
        Assert.Equal("Done.", TextOf(view));
    }

    [Fact]
    public void StoppedMessage_KeepsItsText_AndSaysItWasStopped()
    {
        var message = new ConversationMessage(ChatRole.Assistant, "Partial ans", MessageStatus.Streaming);
        var view = Render<MessageView>(p => p.Add(v => v.Message, message));

        message.Finish(MessageStatus.Stopped);

        view.WaitForAssertion(() => Assert.Contains("Stopped", view.Find(".message-note").TextContent));
        Assert.Equal("Partial ans", TextOf(view));
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
        Assert.Equal("<script>alert(1)</script>", TextOf(view));
    }

    [Fact]
    public void Answer_IsMarkdown_AndCarriesItsThinkingAndStats()
    {
        var time = new ManualTimeProvider();
        Services.AddSingleton<TimeProvider>(time);
        var message = new ConversationMessage(ChatRole.Assistant, status: MessageStatus.Streaming);
        var writer = new StepWriter(message, time);
        writer.Apply(new ChatResponseUpdate(ChatRole.Assistant, "<think>hmm</think>**Bold**"));
        time.Advance(TimeSpan.FromSeconds(2));
        writer.Apply(new ChatResponseUpdate(ChatRole.Assistant, " answer"));
        writer.Finish(MessageStatus.Complete);

        var view = Render<MessageView>(p => p.Add(v => v.Message, message));

        Assert.Equal("Bold", view.Find(".message-text strong").TextContent);
        Assert.Contains("Thought for", view.Find(".thinking-toggle").TextContent);
        Assert.Contains("2 tokens · 0.5 tokens/s", view.Find(".message-stats").TextContent); // one token in the 2 s after the first
    }

    [Fact]
    public void UserMessage_CanBeEdited_AndRaisesTheEdit()
    {
        MessageEdit? edit = null;
        var message = new ConversationMessage(ChatRole.User, "old question");
        var view = Render<MessageView>(p => p
            .Add(v => v.Message, message)
            .Add(v => v.CanEdit, true)
            .Add(v => v.OnEdit, (MessageEdit e) => edit = e));

        view.Find("button.edit").Click();
        view.Find("textarea.edit-text").Input("new question");
        view.Find("form.edit-form").Submit();

        Assert.Equal(new MessageEdit(message, "new question"), edit);
        Assert.Empty(view.FindAll("textarea.edit-text"));
    }

    [Fact]
    public void AnswerThatTurnsOutToBeThinking_LeavesTheAnswerArea_EvenAfterBlocksFroze()
    {
        var message = new ConversationMessage(ChatRole.Assistant, status: MessageStatus.Streaming);
        var writer = new StepWriter(message, TimeProvider.System);
        var view = Render<MessageView>(p => p.Add(v => v.Message, message));

        writer.Apply(new ChatResponseUpdate(ChatRole.Assistant, "first thought\n\nsecond thought\n\nthird thought\n\nfourth"));
        view.WaitForAssertion(() => Assert.NotEmpty(view.FindAll(".md-frozen")));
        writer.Apply(new ChatResponseUpdate(ChatRole.Assistant, "</think>The real answer."));
        writer.Finish(MessageStatus.Complete);

        view.WaitForAssertion(() => Assert.Equal("The real answer.", TextOf(view)));
        Assert.Contains("first thought", message.Thinking);
    }

    [Fact]
    public void RestoredMessage_ShowsItsThoughtsAndFigures()
    {
        var message = ConversationMessage.Restore(ChatRole.Assistant, "Saved *answer*", MessageStatus.Complete,
            thinking: "saved thoughts", thinkingDuration: TimeSpan.FromSeconds(3), outputTokens: 30, generationTime: TimeSpan.FromSeconds(2));

        var view = Render<MessageView>(p => p.Add(v => v.Message, message));

        Assert.Equal("Thought for 3.0 s", view.Find(".thinking-label").TextContent);
        Assert.Equal("answer", view.Find(".message-text em").TextContent);
        Assert.Contains("30 tokens · 14.5 tokens/s", view.Find(".message-stats").TextContent); // 29 tokens after the first, in 2 s
    }

    [Fact]
    public void StreamingRenders_AreCoalesced_ToOnePerInterval()
    {
        var time = new ManualTimeProvider();
        Services.AddSingleton<TimeProvider>(time);
        var message = new ConversationMessage(ChatRole.Assistant, status: MessageStatus.Streaming);
        var view = Render<MessageView>(p => p.Add(v => v.Message, message));

        // The answer's text renders in its MarkdownView: count the renders of that.
        message.Append("word0 ");
        view.WaitForAssertion(() => Assert.Equal("word0", TextOf(view)));
        var markdown = view.FindComponent<MarkdownView>();
        var rendersAfterFirstWord = markdown.RenderCount;
        for (var i = 1; i < 10; i++)
            message.Append($"word{i} ");
        Assert.Equal("word0", TextOf(view));

        time.Advance(TimeSpan.FromMilliseconds(50));

        view.WaitForAssertion(() => Assert.EndsWith("word9", TextOf(view)));
        Assert.Equal(rendersAfterFirstWord + 1, markdown.RenderCount); // nine words, one render
    }
}
