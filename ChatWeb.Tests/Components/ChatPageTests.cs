using Bunit;
using ChatWeb.Components.Pages;
using ChatWeb.Inference;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Components;

public sealed class ChatPageTests : BunitContext
{
    private readonly ScriptedChatClient _client = new();

    public ChatPageTests()
    {
        Services.AddSingleton<IChatClient>(_client);
        Services.AddSingleton(BackendStatus.Demo("no model in this test"));
        JSInterop.Mode = JSRuntimeMode.Loose;
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    private static void Send(IRenderedComponent<ChatPage> page, string prompt)
    {
        page.Find("textarea").Input(prompt);
        page.Find("textarea").KeyDown(new KeyboardEventArgs { Key = "Enter" });
    }

    [Fact]
    public void Send_ShowsThePrompt_ThenTheAnswerAsItStreams()
    {
        var page = Render<ChatPage>();
        Send(page, "Hi there");

        page.WaitForAssertion(() => Assert.Equal("Hi there", page.Find(".message.user .message-text").TextContent));
        Assert.Equal("", page.Find("textarea").GetAttribute("value") ?? "");

        _client.Write("Hello");
        page.WaitForAssertion(() => Assert.Equal("Hello", page.Find(".message.assistant .message-text").TextContent));
        _client.Write(" you");
        page.WaitForAssertion(() => Assert.Equal("Hello you", page.Find(".message.assistant .message-text").TextContent));
        Assert.NotNull(page.Find(".message.assistant .cursor"));

        _client.Complete();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".cursor")));
        Assert.NotNull(page.Find("button.send"));
    }

    [Fact]
    public void Stop_KeepsThePartialAnswer_AndMarksItStopped()
    {
        var page = Render<ChatPage>();
        Send(page, "Tell me a story");
        _client.Write("Once upon");
        page.WaitForAssertion(() => Assert.Equal("Once upon", page.Find(".message.assistant .message-text").TextContent));

        page.Find("button.stop").Click();

        page.WaitForAssertion(() => Assert.Contains("Stopped", page.Find(".message-note").TextContent));
        Assert.Equal("Once upon", page.Find(".message.assistant .message-text").TextContent);
        Assert.Empty(page.FindAll(".cursor"));
    }

    [Fact]
    public void BackendError_IsShown_AndThePromptReturnsToTheComposer()
    {
        _client.FailWith = new InvalidOperationException("backend exploded");
        var page = Render<ChatPage>();
        Send(page, "Do something");

        page.WaitForAssertion(() => Assert.Contains("backend exploded", page.Find(".message-error").TextContent));
        Assert.Equal("Do something", page.Find("textarea").GetAttribute("value"));
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
        var history = _client.Requests[1];
        Assert.Equal(["first", "answer one", "second"], history.Select(m => m.Text));
        Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.User], history.Select(m => m.Role));
    }
}
