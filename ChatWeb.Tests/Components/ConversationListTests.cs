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

    public ConversationListTests() => SetRendererInfo(new RendererInfo("Server", isInteractive: true));

    private IRenderedComponent<ConversationList> RenderList(params StoredConversation[] conversations) =>
        Render<ConversationList>(p => p
            .Add(c => c.Conversations, conversations)
            .Add(c => c.CurrentId, "b")
            .Add(c => c.OnRename, r => _renamed.Add(r))
            .Add(c => c.OnDelete, id => _deleted.Add(id)));

    private static StoredConversation Chat(string id, string title) => new(id, "owner", title, null, "{}", Now, Now);

    [Fact]
    public void ListsTheConversations_LinkingEach_AndMarksTheCurrentOne()
    {
        var list = RenderList(Chat("a", "Alpha"), Chat("b", "Beta"));

        var links = list.FindAll("li > a");
        Assert.Equal(["Alpha", "Beta"], links.Select(a => a.TextContent));
        Assert.Equal("c/a", links[0].GetAttribute("href"));
        Assert.Equal("page", links[1].GetAttribute("aria-current"));
        Assert.Equal("", list.Find("a.new-chat").GetAttribute("href"));
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
        list.Find("button:not(.danger)").Click();
        Assert.Empty(_deleted);

        list.Find("button[aria-label='Delete Alpha']").Click();
        list.Find("button.danger").Click();
        Assert.Equal(["a"], _deleted);
    }
}
