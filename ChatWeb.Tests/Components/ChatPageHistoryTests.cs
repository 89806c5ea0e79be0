using Bunit;
using ChatWeb.Chat;
using ChatWeb.Components.Pages;
using ChatWeb.Inference;
using ChatWeb.Storage;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Components;

/// <summary>The chat page with a real store behind it: what is kept, what the model is sent.</summary>
public sealed class ChatPageHistoryTests : ChatPageTestContext
{
    private const string Owner = "test-session";
    private readonly ScriptedChatClient _client;

    public ChatPageHistoryTests() : this(new ScriptedChatClient()) { }

    private ChatPageHistoryTests(ScriptedChatClient client) : base(client, Owner)
    {
        _client = client;
    }

    private ConversationStore Store => Services.GetRequiredService<ConversationStore>();
    private PresetStore Presets => Services.GetRequiredService<PresetStore>();

    [Fact]
    public void ANewChat_IsStored_WithItsAnswer_AndListedAtTheSide()
    {
        var page = Render<ChatPage>();
        Send(page, "What is SQLite?");
        Answer(page, _client, "A small database.");

        var chat = Assert.Single(Store.List(Owner));
        Assert.Equal("What is SQLite?", chat.Title);
        var messages = Store.Messages(Owner, chat.Id);
        Assert.Equal(["What is SQLite?", "A small database."], messages.Select(m => m.Text));
        Assert.Equal(MessageStatus.Complete, messages[1].Status);
        Assert.Equal("What is SQLite?", page.Find(".conversation-list li button.open").TextContent);
        JSInterop.VerifyInvoke("history.replaceState");
    }

    [Fact]
    public void AStoredConversation_OpensWithItsMessages_AndThoughts()
    {
        var chat = Store.Create(Owner, "Earlier");
        Store.AddMessage(Owner, chat.Id, ChatRole.User, "old question", MessageStatus.Complete);
        Store.AddMessage(Owner, chat.Id, ChatRole.Assistant, "old answer", MessageStatus.Stopped, thoughts: "pondering");

        var page = Render<ChatPage>(p => p.Add(c => c.Id, chat.Id));

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll(".message").Count));
        Assert.Contains("old answer", page.Find(".message.assistant .message-text").TextContent);
        Assert.Contains("Stopped", page.Find(".message.assistant .message-note").TextContent);
        page.Find(".message.assistant .thinking-toggle").Click();
        Assert.Contains("pondering", page.Find(".message.assistant .thoughts").TextContent);
    }

    [Fact]
    public void AnUnknownOrForeignId_SaysSo_AndShowsNothingOfIt()
    {
        var foreign = Store.Create("someone-else", "Their chat");
        Store.AddMessage("someone-else", foreign.Id, ChatRole.User, "their secret", MessageStatus.Complete);

        var page = Render<ChatPage>(p => p.Add(c => c.Id, foreign.Id));

        page.WaitForAssertion(() => Assert.Contains("does not exist, or it belongs to another browser", page.Find(".chat-notice").TextContent));
        Assert.DoesNotContain("their secret", page.Markup);
        Assert.DoesNotContain("Their chat", page.Markup);
    }

    [Fact]
    public async Task TheDefaultPreset_IsTheSystemPrompt_AndAnEditedDefaultReachesTheNextChat()
    {
        var page = Render<ChatPage>();
        Send(page, "first");
        Answer(page, _client, "ok");
        Assert.Equal(new ChatMessage(ChatRole.System, PresetStore.SeedText).Text, _client.Requests[0][0].Text);
        Assert.Equal(ChatRole.System, _client.Requests[0][0].Role);

        var preset = Presets.Default();
        Presets.Update(preset.Id, preset.Name, "You are a pirate.", "Say arr.", "admin");
        page.Find("button.new-chat").Click();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".message")));
        Send(page, "second chat");

        page.WaitForAssertion(() => Assert.Equal(2, _client.Requests.Count));
        Assert.Equal("You are a pirate.\n\nSay arr.", _client.Requests[1][0].Text);
    }

    [Fact]
    public void APresetChosenOnThePage_IsUsed_AndKeptWithTheConversation()
    {
        var tutor = Presets.Create("Tutor", "Teach step by step.", "", "admin");
        var page = Render<ChatPage>();

        // Open the picker and choose the preset, as a person does.
        page.InvokeAsync(() => page.FindComponent<MudBlazor.MudSelect<string>>().Instance.OpenMenu());
        page.WaitForAssertion(() => page.FindAll(".mud-list-item").Single(item => item.TextContent.Contains("Tutor")).Click());
        page.WaitForAssertion(() => Assert.Contains("Teach step by step.", page.Find(".system-prompt pre").TextContent));
        Send(page, "teach me");
        Answer(page, _client, "sure");

        Assert.Equal("Teach step by step.", _client.Requests[0][0].Text);
        Assert.Equal(tutor.Id, Assert.Single(Store.List(Owner)).PresetId);
    }

    [Fact]
    public async Task StoppedAndInterruptedAnswers_AreKept_WithWhatWasWritten()
    {
        var page = Render<ChatPage>();
        Send(page, "one");
        _client.Write("partial");
        page.WaitForAssertion(() => Assert.Contains("partial", page.Find(".message.assistant .message-text").TextContent));
        page.Find("button.stop").Click();
        page.WaitForAssertion(() => Assert.NotNull(page.Find("button.send")));
        _client.Complete(); // the next request reads the next answer

        Send(page, "two");
        _client.Write("cut off");
        page.WaitForAssertion(() => Assert.Contains("cut off", page.FindAll(".message.assistant")[^1].TextContent));
        await DisposeComponentsAsync(); // the page goes away (reload, closed tab) while the answer streams

        var chat = Assert.Single(Store.List(Owner));
        var messages = Store.Messages(Owner, chat.Id);
        for (var tries = 0; tries < 100 && messages[3].Status == MessageStatus.Streaming; tries++)
        {
            await Task.Delay(20); // the cancelled stream ends on the renderer's dispatcher, just after disposal
            messages = Store.Messages(Owner, chat.Id);
        }
        Assert.Equal(["one", "partial", "two", "cut off"], messages.Select(m => m.Text));
        Assert.Equal(MessageStatus.Stopped, messages[1].Status);
        Assert.Equal(MessageStatus.Interrupted, messages[3].Status);
    }

    [Fact]
    public void OlderTurns_BeyondTheLimit_AreLeftOut_AndThePageSaysSo()
    {
        Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ConversationOptions>>().Value.MaxTurns = 1;
        var page = Render<ChatPage>();
        Send(page, "first");
        Answer(page, _client, "one");
        Assert.Empty(page.FindAll(".context-note"));

        Send(page, "second");

        page.WaitForAssertion(() => Assert.Equal(2, _client.Requests.Count));
        Assert.Equal(["second"], _client.Requests[1].Where(m => m.Role != ChatRole.System).Select(m => m.Text));
        Assert.Contains("2 earlier messages were left out", page.Find(".context-note").TextContent);
    }

    [Fact]
    public void ARegeneratedAnswer_IsStoredBesideTheFirst_TheChoiceIsStored_AndTheModelSeesOnlyIt()
    {
        var page = Render<ChatPage>();
        Send(page, "question");
        Answer(page, _client, "first try");
        page.Find("button.regenerate").Click();
        Answer(page, _client, "second try");
        var chat = Assert.Single(Store.List(Owner));
        Assert.Equal(["question", "second try"], Store.Messages(Owner, chat.Id).Select(m => m.Text));
        Assert.Equal(3, Store.AllMessages(Owner, chat.Id).Count);

        page.Find(".message.assistant button.branch-previous").Click();
        page.WaitForAssertion(() => Assert.Equal("1/2", page.Find(".message.assistant .branch-position").TextContent));

        // The choice is stored: what a reload reads.
        var stored = Store.Messages(Owner, chat.Id);
        Assert.Equal(["question", "first try"], stored.Select(m => m.Text));
        Assert.Equal(new BranchPosition(1, 2), stored[1].Branch);

        Send(page, "and then?");
        Answer(page, _client, "more");
        Assert.Equal(["question", "first try", "and then?"], _client.Requests[^1].Where(m => m.Role != ChatRole.System).Select(m => m.Text));
    }
}
