using Bunit;
using ChatWeb.Components.Chat;
using ChatWeb.Storage;
using Microsoft.AspNetCore.Components;

namespace ChatWeb.Tests.Components;

public sealed class ConversationListTests : BunitContext
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);
    private readonly List<(string Id, string Title)> _renamed = [];
    private readonly List<string> _deleted = [];
    private readonly List<string> _opened = [];
    private int _newChats;

    public ConversationListTests() => SetRendererInfo(new RendererInfo("Server", isInteractive: true));

    private IRenderedComponent<ConversationList> RenderList(params StoredConversation[] conversations) =>
        Render<ConversationList>(p => p
            .Add(c => c.Conversations, conversations)
            .Add(c => c.CurrentId, "b")
            .Add(c => c.OnRename, r => _renamed.Add(r))
            .Add(c => c.OnDelete, id => _deleted.Add(id))
            .Add(c => c.OnOpen, id => _opened.Add(id))
            .Add(c => c.OnNewChat, () => _newChats++));

    private static StoredConversation Chat(string id, string title) => new(id, "owner", title, null, "{}", Now, Now);

    [Fact]
    public void ListsTheConversations_AndMarksTheCurrentOne()
    {
        var list = RenderList(Chat("a", "Alpha"), Chat("b", "Beta"));

        var entries = list.FindAll("li > button.open");
        Assert.Equal(["Alpha", "Beta"], entries.Select(a => a.TextContent));
        Assert.Null(entries[0].GetAttribute("aria-current"));
        Assert.Equal("page", entries[1].GetAttribute("aria-current"));
    }

    [Fact]
    public void Clicks_OpenAConversation_OrStartANewChat_InPlace()
    {
        var list = RenderList(Chat("a", "Alpha"));

        list.Find("li > button.open").Click();
        list.Find("button.start-chat").Click();

        Assert.Equal(["a"], _opened);
        Assert.Equal(1, _newChats);
    }

    [Fact]
    public void AnEmptyList_SaysWhereConversationsWillAppear() =>
        Assert.Contains("will appear here", RenderList().Find(".no-conversations").TextContent);

    [Fact]
    public void Rename_RaisesTheNewTitle()
    {
        var list = RenderList(Chat("a", "Alpha"));

        list.Find("button[aria-label='Rename Alpha']").Click();
        list.Find(".rename input").Change("Renamed");
        list.Find(".rename").Submit();

        Assert.Equal([("a", "Renamed")], _renamed);
        Assert.Empty(list.FindAll(".rename"));
    }

    [Fact]
    public void Delete_AsksFirst_AndKeepCancels()
    {
        var list = RenderList(Chat("a", "Alpha"));

        list.Find("button[aria-label='Delete Alpha']").Click();
        Assert.Contains("Delete “Alpha”?", list.Find(".confirm").TextContent);
        list.FindAll("li button").Single(b => b.TextContent == "Keep").Click();
        Assert.Empty(_deleted);

        list.Find("button[aria-label='Delete Alpha']").Click();
        list.Find("button.danger").Click();
        Assert.Equal(["a"], _deleted);
    }
}
