using Bunit;
using ChatWeb.Chat;
using ChatWeb.Components.Pages;
using ChatWeb.Inference;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Components;

public sealed class ChatPageTests : ChatPageTestContext
{
    private readonly ScriptedChatClient _client;

    public ChatPageTests() : this(new ScriptedChatClient()) { }

    private ChatPageTests(ScriptedChatClient client) : base(client) => _client = client;

    [Fact]
    public void Send_ShowsThePrompt_ThenTheAnswerAsItStreams()
    {
        var page = Render<ChatPage>();
        Send(page, "Hi there");

        page.WaitForAssertion(() => Assert.Equal("Hi there", page.Find(".message.user .message-text").TextContent.Trim()));
        Assert.Equal("", page.Find("textarea").GetAttribute("value") ?? "");

        _client.Write("Hello");
        page.WaitForAssertion(() => Assert.Equal("Hello", page.Find(".message.assistant .message-text").TextContent.Trim()));
        _client.Write(" you");
        page.WaitForAssertion(() => Assert.Equal("Hello you", page.Find(".message.assistant .message-text").TextContent.Trim()));
        Assert.NotNull(page.Find(".message.assistant .cursor"));

        _client.Complete();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".cursor")));
        page.WaitForAssertion(() => Assert.NotNull(page.Find("button.send"))); // the page re-renders just after the message
    }

    [Fact]
    public void Stop_KeepsThePartialAnswer_AndMarksItStopped()
    {
        var page = Render<ChatPage>();
        Send(page, "Tell me a story");
        _client.Write("Once upon");
        page.WaitForAssertion(() => Assert.Equal("Once upon", page.Find(".message.assistant .message-text").TextContent.Trim()));

        page.Find("button.stop").Click();

        page.WaitForAssertion(() => Assert.Contains("Stopped", page.Find(".message-note").TextContent));
        Assert.Equal("Once upon", page.Find(".message.assistant .message-text").TextContent.Trim());
        Assert.Empty(page.FindAll(".cursor"));
    }

    [Fact]
    public void BackendError_IsShownOnTheTurn_ThePromptReturnsToTheComposerOnce_AndRetrySendsIt()
    {
        _client.FailWith = new InvalidOperationException("backend exploded");
        var page = Render<ChatPage>();
        Send(page, "Do something");

        page.WaitForAssertion(() => Assert.Contains("backend exploded", page.Find(".turn-failure").TextContent));
        Assert.Equal("Do something", page.Find("#prompt").GetAttribute("value"));
        Assert.Empty(page.FindAll(".message")); // kept once: in the box, not also as a message and a failed answer

        _client.FailWith = null;
        page.Find(".turn-failure button.retry").Click();
        Answer(page, _client, "Done.");

        Assert.Equal("Do something", page.Find(".message.user .message-text").TextContent.Trim());
        Assert.Equal("Done.", page.Find(".message.assistant .message-text").TextContent.Trim());
        Assert.Empty(page.FindAll(".turn-failure"));
        Assert.Equal("", page.Find("#prompt").GetAttribute("value") ?? "");
    }

    [Fact]
    public void SecondTurn_SendsTheEarlierConversationToTheModel()
    {
        var page = Render<ChatPage>();
        Send(page, "first");
        _client.Write("answer one");
        _client.Complete();
        page.WaitForAssertion(() => Assert.NotNull(page.Find("button.send")));

        Send(page, "second");

        page.WaitForAssertion(() => Assert.Equal(2, _client.Requests.Count));
        var history = _client.Requests[1].Where(m => m.Role != ChatRole.System).ToList();
        Assert.Equal(["first", "answer one", "second"], history.Select(m => m.Text));
        Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.User], history.Select(m => m.Role));
    }

    [Fact]
    public void Thinking_IsShownApart_AndNeverSentBackToTheModel()
    {
        var page = Render<ChatPage>();
        Send(page, "first");
        Answer(page, _client, "<think>secret reasoning</think>visible answer");
        page.WaitForAssertion(() => Assert.Contains("Thought for", page.Find(".thinking-toggle").TextContent));
        Assert.Equal("visible answer", page.Find(".message.assistant .message-text").TextContent.Trim());

        Send(page, "second");

        page.WaitForAssertion(() => Assert.Equal(2, _client.Requests.Count));
        Assert.Equal(["first", "visible answer", "second"], _client.Requests[1].Where(m => m.Role != ChatRole.System).Select(m => m.Text));
    }

    [Fact]
    public void Regenerate_ShowsTheNewAnswer_AndKeepsTheEarlierOneAsAnotherVersion()
    {
        var page = Render<ChatPage>();
        Send(page, "question");
        Answer(page, _client, "first try");

        page.Find("button.regenerate").Click();
        Answer(page, _client, "second try");

        page.WaitForAssertion(() => Assert.Equal("second try", page.Find(".message.assistant .message-text").TextContent.Trim()));
        Assert.Single(page.FindAll(".message.assistant"));
        Assert.Equal("2/2", page.Find(".message.assistant .branch-position").TextContent);
        Assert.Equal(["question"], _client.Requests[1].Where(m => m.Role != ChatRole.System).Select(m => m.Text));

        page.Find(".message.assistant button.branch-previous").Click();

        page.WaitForAssertion(() => Assert.Equal("first try", page.Find(".message.assistant .message-text").TextContent.Trim()));
        Assert.Equal("1/2", page.Find(".message.assistant .branch-position").TextContent);
    }

    [Fact]
    public void EditingAUserMessage_AsksAgain_AndKeepsTheEarlierTurnAsAnotherVersion()
    {
        var page = Render<ChatPage>();
        Send(page, "one");
        Answer(page, _client, "answer one");
        Send(page, "two");
        Answer(page, _client, "answer two");

        page.FindAll("button.edit")[0].Click();
        page.WaitForAssertion(() => page.Find("textarea.edit-text").Input("one, edited"));
        page.Find("form.edit-form").Submit();
        Answer(page, _client, "answer to the edit");

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll(".message").Count));
        Assert.Equal(["one, edited"], _client.Requests[2].Where(m => m.Role != ChatRole.System).Select(m => m.Text));
        Assert.Equal("answer to the edit", page.Find(".message.assistant .message-text").TextContent.Trim());
        Assert.Equal("2/2", page.Find(".message.user .branch-position").TextContent);

        page.Find(".message.user button.branch-previous").Click();

        page.WaitForAssertion(() => Assert.Equal(["one", "answer one", "two", "answer two"],
            page.FindAll(".message .message-text").Select(m => m.TextContent.Trim())));
    }

    [Fact]
    public void ARegenerateThatFails_ShowsTheEarlierAnswerAgain_AndRetryMakesTheSecondVersion()
    {
        var page = Render<ChatPage>();
        Send(page, "question");
        Answer(page, _client, "first answer");

        _client.FailWith = new InvalidOperationException("backend exploded");
        page.Find("button.regenerate").Click();

        page.WaitForAssertion(() => Assert.Contains("backend exploded", page.Find(".turn-failure").TextContent));
        Assert.Equal(["question", "first answer"], page.FindAll(".message .message-text").Select(m => m.TextContent.Trim()));
        Assert.Empty(page.FindAll(".branch-position")); // the failed version was not kept

        _client.FailWith = null;
        page.Find(".turn-failure button.retry").Click();
        Answer(page, _client, "second answer");

        page.WaitForAssertion(() => Assert.Equal("2/2", page.Find(".message.assistant .branch-position").TextContent));
        Assert.Equal("second answer", page.Find(".message.assistant .message-text").TextContent.Trim());
        Assert.Empty(page.FindAll(".turn-failure"));
    }

    [Fact]
    public void NewChat_EmptiesTheConversation()
    {
        var page = Render<ChatPage>();
        Send(page, "hello");
        Answer(page, _client, "hi");

        page.Find("button.new-chat").Click();

        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".message"))); // the click may queue behind a render
        Assert.True(page.Find("button.new-chat").HasAttribute("disabled"));
    }

    [Fact]
    public void Settings_AreSentWithTheRequest_AndOutOfRangeValuesAreRefused()
    {
        var page = Render<ChatPage>();
        page.Find("button.settings-toggle").Click();
        page.Find("#temperature").Change("0.2");
        page.Find("#max-new-tokens").Change("0");
        page.WaitForAssertion(() => Assert.Contains("between 1 and", page.Find("#max-new-tokens-error").TextContent)); // under the field
        Assert.Equal("max-new-tokens-error", page.Find("#max-new-tokens").GetAttribute("aria-describedby"));
        Assert.Equal("true", page.Find("#max-new-tokens").GetAttribute("aria-invalid"));
        Assert.Equal("0", page.Find("#max-new-tokens").GetAttribute("value")); // kept as typed, not clamped
        page.Find("input[role=switch]").Change(true);

        Send(page, "question");

        page.WaitForAssertion(() => Assert.Single(_client.Options));
        var options = _client.Options[0]!;
        Assert.Equal(0.2f, options.Temperature);
        Assert.Equal(GenerationSettings.Default.MaxNewTokens, options.MaxOutputTokens);
        Assert.Equal(ReasoningEffort.Medium, options.Reasoning!.Effort);
    }

    [Fact]
    public void ScreenReaders_HearWhenAnAnswerStartsAndEnds_NotEveryToken()
    {
        var page = Render<ChatPage>();
        var live = () => page.Find("[aria-live=polite]").TextContent;

        Send(page, "question");
        page.WaitForAssertion(() => Assert.Equal("The answer is being written.", live()));
        _client.Write("some ");
        _client.Write("words");
        page.WaitForAssertion(() => Assert.Equal("some words", page.Find(".message.assistant .message-text").TextContent.Trim()));
        Assert.Equal("The answer is being written.", live());

        _client.Complete();
        page.WaitForAssertion(() => Assert.Equal("The answer is complete.", live()));
    }
}
