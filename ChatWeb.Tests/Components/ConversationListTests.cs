using Bunit;
using ChatWeb.Chat.Transfer;
using ChatWeb.Components.Chat;
using ChatWeb.Storage;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace ChatWeb.Tests.Components;

public sealed class ConversationListTests : ComponentTestContext
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);
    private readonly List<(string Id, string Title)> _renamed = [];
    private readonly List<string> _deleted = [];
    private readonly List<string> _opened = [];
    private readonly List<(string Id, bool Pinned)> _pinned = [];
    private readonly List<string> _searched = [];
    private readonly List<ExportRequest> _exported = [];
    private readonly IRenderedComponent<MudPopoverProvider> _popovers;
    private readonly IRenderedComponent<MudDialogProvider> _dialogs;
    private readonly ManualTimeProvider _time = new(Now);

    public ConversationListTests()
    {
        Services.AddSingleton<TimeProvider>(_time);
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        _popovers = Render<MudPopoverProvider>();
        _dialogs = Render<MudDialogProvider>();
    }

    private IRenderedComponent<ConversationList> RenderList(StoredConversation[] conversations, IReadOnlyList<SearchHit>? hits = null) =>
        Render<ConversationList>(p => p
            .Add(c => c.Conversations, conversations)
            .Add(c => c.CurrentId, "b")
            .Add(c => c.SearchResults, hits)
            .Add(c => c.SearchText, hits is null ? "" : "boil")
            .Add(c => c.OnSearch, text => _searched.Add(text))
            .Add(c => c.OnRename, r => _renamed.Add(r))
            .Add(c => c.OnDelete, id => _deleted.Add(id))
            .Add(c => c.OnPin, p => _pinned.Add(p))
            .Add(c => c.OnOpen, id => _opened.Add(id))
            .Add(c => c.OnExport, r => _exported.Add(r))
            .Add(c => c.OnImport, (IBrowserFile _) => { }));

    private IRenderedComponent<ConversationList> RenderList(params StoredConversation[] conversations) => RenderList(conversations, null);

    private static StoredConversation Chat(string id, string title, TimeSpan? ago = null, bool pinned = false) =>
        new(id, "owner", title, null, "{}", Now - (ago ?? TimeSpan.Zero), Now - (ago ?? TimeSpan.Zero), pinned);

    [Fact]
    public void ListsTheConversations_AndMarksTheCurrentOne()
    {
        var list = RenderList(Chat("a", "Alpha"), Chat("b", "Beta"));

        var entries = list.FindAll("li button.open");
        Assert.Equal(["Alpha", "Beta"], entries.Select(a => a.TextContent));
        Assert.Null(entries[0].GetAttribute("aria-current"));
        Assert.Equal("page", entries[1].GetAttribute("aria-current"));
    }

    [Fact]
    public void GroupsByDay_WithPinnedOnTop()
    {
        var list = RenderList(
            Chat("a", "This morning", TimeSpan.FromHours(1)),
            Chat("b", "Last night", TimeSpan.FromHours(12)),
            Chat("c", "Monday", TimeSpan.FromDays(5)),
            Chat("d", "Last month", TimeSpan.FromDays(30)),
            Chat("e", "Kept", TimeSpan.FromDays(90), pinned: true));

        Assert.Equal(["Pinned", "Today", "Yesterday", "Previous 7 days", "Older"], list.FindAll(".group-name").Select(h => h.TextContent));
        Assert.Equal(["Kept", "This morning", "Last night", "Monday", "Last month"], list.FindAll("li button.open").Select(b => b.TextContent));
    }

    [Fact]
    public void Clicks_OpenAConversation_InPlace()
    {
        var list = RenderList(Chat("a", "Alpha"));

        list.Find("li button.open").Click();

        Assert.Equal(["a"], _opened);
    }

    [Fact]
    public void AnEmptyList_SaysWhereConversationsWillAppear() =>
        Assert.Contains("will appear here", RenderList().Find(".no-conversations").TextContent);

    [Fact]
    public void EveryRowAction_HasAnAccessibleName()
    {
        var list = RenderList(Chat("a", "Alpha"), Chat("p", "Pinned one", pinned: true));

        Assert.NotNull(list.Find("button[aria-label='Pin Alpha'][aria-pressed='false']"));
        Assert.NotNull(list.Find("button[aria-label='Unpin Pinned one'][aria-pressed='true']"));
        Assert.NotNull(list.Find("button[aria-label='Rename Alpha']"));
        Assert.NotNull(list.Find("button[aria-label='Delete Alpha']"));
        Assert.NotNull(list.Find("button[aria-label='Export Alpha']"));
    }

    [Fact]
    public void Pin_AndUnpin_AreRaised()
    {
        var list = RenderList(Chat("a", "Alpha"), Chat("p", "Pinned one", pinned: true));

        list.Find("button[aria-label='Pin Alpha']").Click();
        list.Find("button[aria-label='Unpin Pinned one']").Click();

        Assert.Equal([("a", true), ("p", false)], _pinned);
    }

    [Fact]
    public void Rename_OpensADialogWithTheTitle_AndRaisesTheNewOne()
    {
        var list = RenderList(Chat("a", "Alpha"));

        list.Find("button[aria-label='Rename Alpha']").Click();
        var field = _dialogs.WaitForElement("#rename-title");
        Assert.Equal("Alpha", field.GetAttribute("value"));
        field.Input("Renamed");
        _dialogs.Find(".rename-save").Click();

        list.WaitForAssertion(() => Assert.Equal([("a", "Renamed")], _renamed));
        _dialogs.WaitForAssertion(() => Assert.Empty(_dialogs.FindAll("#rename-title")));
    }

    [Fact]
    public void Rename_RefusesAnEmptyTitle_WithAMessage()
    {
        var list = RenderList(Chat("a", "Alpha"));

        list.Find("button[aria-label='Rename Alpha']").Click();
        _dialogs.WaitForElement("#rename-title").Input("   ");

        _dialogs.WaitForAssertion(() => Assert.Contains("A conversation needs a title.", _dialogs.Markup));
        Assert.True(_dialogs.Find(".rename-save").HasAttribute("disabled"));
        _dialogs.Find("#rename-title").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Enter" });
        Assert.NotNull(_dialogs.Find("#rename-title")); // still open
        Assert.Empty(_renamed);
    }

    [Fact]
    public void Delete_AsksInADialog_AndKeepCancels()
    {
        var list = RenderList(Chat("a", "Alpha"));

        list.Find("button[aria-label='Delete Alpha']").Click();
        _dialogs.WaitForAssertion(() => Assert.Contains("“Alpha” and all its messages will be deleted", _dialogs.Markup));
        _dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Keep").Click();
        _dialogs.WaitForAssertion(() => Assert.DoesNotContain("will be deleted", _dialogs.Markup));
        Assert.Empty(_deleted);

        list.Find("button[aria-label='Delete Alpha']").Click();
        _dialogs.WaitForAssertion(() => _dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete").Click());
        list.WaitForAssertion(() => Assert.Equal(["a"], _deleted));
    }

    [Fact]
    public void TypingInTheSearchBox_RaisesTheSearch()
    {
        var list = RenderList(Chat("a", "Alpha"));

        list.Find("#conversation-search").Input("bo");
        list.Find("#conversation-search").Input("boil");
        Assert.Empty(_searched); // not on every key: once typing pauses

        // The debounce timer runs on this test's clock once MudBlazor has started it (on a busy machine that can come
        // after the input events return), then hands the text to the renderer's dispatcher; no render follows.
        SpinWait.SpinUntil(() =>
        {
            _time.Advance(TimeSpan.FromMilliseconds(300));
            return _searched.Count > 0;
        }, TimeSpan.FromSeconds(30));
        Assert.Equal(["boil"], _searched);
    }

    [Fact]
    public void SearchResults_ReplaceTheGroups_AndMarkTheMatchedWords()
    {
        var hit = new SearchHit(Chat("a", "Cooking"), $"How long do I {ConversationSearchSql.MatchStart}boil{ConversationSearchSql.MatchEnd} an egg?");
        var list = RenderList([Chat("a", "Cooking"), Chat("b", "Travel")], [hit]);

        Assert.Empty(list.FindAll(".group-name"));
        Assert.Equal("Cooking", list.Find(".search-hit .title").TextContent);
        Assert.Equal("boil", list.Find(".search-hit .snippet mark").TextContent);
        Assert.Equal("How long do I boil an egg?", list.Find(".search-hit .snippet").TextContent);
        list.Find(".search-hit button.open").Click();
        Assert.Equal(["a"], _opened);
    }

    [Fact]
    public void ASearchThatFindsNothing_SaysSo() =>
        Assert.Contains("No conversation contains “boil”", RenderList([Chat("a", "Alpha")], []).Find(".search-results").TextContent);

    [Fact]
    public void ExportAll_OffersMarkdownAndJson()
    {
        var list = RenderList(Chat("a", "Alpha"));

        list.Find(".export-all button").Click();
        _popovers.WaitForAssertion(() => _popovers.FindAll(".mud-menu-item").Single(i => i.TextContent.Contains("JSON")).Click());

        list.WaitForAssertion(() => Assert.Equal([new ExportRequest(null, ExportFormat.Json)], _exported));
    }
}
