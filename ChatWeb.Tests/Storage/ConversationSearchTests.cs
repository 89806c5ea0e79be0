using ChatWeb.Chat;
using ChatWeb.Storage;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Storage;

public class ConversationSearchTests : IDisposable
{
    private readonly ITestDatabase _folder;
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));
    private readonly ConversationStore _store;

    public ConversationSearchTests() : this(new TempDataFolder()) { }

    protected ConversationSearchTests(ITestDatabase database)
    {
        _folder = database;
        _store = new ConversationStore(_folder.Database(), _time);
    }

    public void Dispose() => _folder.Dispose();

    private string Chat(string owner, string title, params string[] messages)
    {
        var id = _store.Create(owner, title).Id;
        foreach (var text in messages)
            _store.AddMessage(owner, id, ChatRole.User, text, MessageStatus.Complete);
        _time.Advance(TimeSpan.FromMinutes(1));
        return id;
    }

    private IEnumerable<string> Titles(string owner, string text) => _store.Search(owner, text).Select(h => h.Conversation.Title);

    [Fact]
    public void FindsWordsInMessages_WithASnippetMarkingThem()
    {
        Chat("alice", "Cooking", "How long do I boil an egg?");
        Chat("alice", "Travel", "Which train goes to Lyon?");

        var hit = Assert.Single(_store.Search("alice", "boil"));

        Assert.Equal("Cooking", hit.Conversation.Title);
        Assert.Contains($"{ConversationSearchSql.MatchStart}boil{ConversationSearchSql.MatchEnd}", hit.Snippet);
    }

    [Fact]
    public void FindsTitles_Prefixes_AndWordsWithoutTheirAccents_AndNeedsEveryWordInOnePlace()
    {
        Chat("alice", "Trip to Zürich", "hello");
        Chat("alice", "Café notes", "espresso and crema");

        Assert.Equal(["Trip to Zürich"], Titles("alice", "zurich"));
        Assert.Equal(["Café notes"], Titles("alice", "espr"));
        Assert.Equal(["Café notes"], Titles("alice", "crema espresso"));
        Assert.Empty(Titles("alice", "espresso zurich"));
        Assert.Empty(Titles("alice", "cafe crema")); // one in the title, the other in a message
    }

    [Fact]
    public void FindsOnlyTheOwnersConversations()
    {
        Chat("alice", "Alice's", "the secret recipe");
        Chat("bob", "Bob's", "another secret");

        Assert.Equal(["Bob's"], Titles("bob", "secret"));
        Assert.Empty(Titles("mallory", "secret"));
    }

    [Fact]
    public void StaysInStep_WithEditsRenamesAndDeletes()
    {
        var id = _store.Create("alice", "Draft").Id;
        var message = _store.AddMessage("alice", id, ChatRole.Assistant, "first words", MessageStatus.Streaming)!;
        _store.UpdateMessage("alice", message, "final words about penguins", MessageStatus.Complete);
        _store.Rename("alice", id, "Birds");

        Assert.Equal(["Birds"], Titles("alice", "penguins"));
        Assert.Empty(Titles("alice", "first"));
        Assert.Equal(["Birds"], Titles("alice", "birds"));
        Assert.Empty(Titles("alice", "draft"));

        _store.Delete("alice", id);
        Assert.Empty(Titles("alice", "penguins"));
        Assert.Empty(Titles("alice", "birds"));
    }

    [Theory]
    [InlineData("\"")]
    [InlineData("NEAR(a b) OR *")]
    [InlineData("title: -x ^y")]
    [InlineData("   ")]
    [InlineData("it's a \\ back'slash")]
    [InlineData("a & b | !c <-> d:* (e)")]
    public void QuerySyntax_IsTreatedAsText_NeverAnError(string text)
    {
        Chat("alice", "Anything", "some text");

        var exception = Record.Exception(() => _store.Search("alice", text));

        Assert.Null(exception);
    }

    [Fact]
    public void PinnedConversationsComeFirst_ThenTheMostRecentlyActive()
    {
        var oldest = Chat("alice", "oldest", "kiwi");
        Chat("alice", "middle", "kiwi");
        Chat("alice", "newest", "kiwi");

        Assert.True(_store.SetPinned("alice", oldest, true));

        Assert.Equal(["oldest", "newest", "middle"], Titles("alice", "kiwi"));
        Assert.True(_store.Find("alice", oldest)!.Pinned);
        Assert.False(_store.SetPinned("mallory", oldest, false));
        Assert.True(_store.Find("alice", oldest)!.Pinned);
    }
}

/// <summary>The same tests on PostgreSQL.</summary>
public sealed class PostgresConversationSearchTests() : ConversationSearchTests(new PostgresTestDatabase());
