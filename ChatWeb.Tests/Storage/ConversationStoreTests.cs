using ChatWeb.Chat;
using ChatWeb.Storage;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Storage;

public class ConversationStoreTests : IDisposable
{
    private readonly ITestDatabase _folder;
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));
    private readonly ConversationStore _store;

    public ConversationStoreTests() : this(new TempDataFolder()) { }

    protected ConversationStoreTests(ITestDatabase database)
    {
        _folder = database;
        _store = new ConversationStore(_folder.Database(), _time);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Messages_ComeBackInOrder_WithThoughtsStatusAndError()
    {
        var chat = _store.Create("alice", "First question");
        _store.AddMessage("alice", chat.Id, ChatRole.User, "Why is the sky blue?", MessageStatus.Complete);
        var answer = _store.AddMessage("alice", chat.Id, ChatRole.Assistant, "Because", MessageStatus.Streaming, thoughts: "Rayleigh")!;
        _store.UpdateMessage("alice", answer, "Because of scattering", MessageStatus.Stopped, thoughts: "Rayleigh scattering");

        var messages = _store.Messages("alice", chat.Id);

        Assert.Equal(["Why is the sky blue?", "Because of scattering"], messages.Select(m => m.Text));
        Assert.Equal([ChatRole.User, ChatRole.Assistant], messages.Select(m => m.Role));
        Assert.Equal(MessageStatus.Stopped, messages[1].Status);
        Assert.Equal("Rayleigh scattering", messages[1].Thoughts);
    }

    [Fact]
    public void List_ShowsOnlyTheSessionsOwnConversations_MostRecentlyActiveFirst()
    {
        var older = _store.Create("alice", "older");
        _time.Advance(TimeSpan.FromMinutes(1));
        _store.Create("alice", "newer");
        _store.Create("bob", "bob's");
        _time.Advance(TimeSpan.FromMinutes(1));
        _store.AddMessage("alice", older.Id, ChatRole.User, "back to this one", MessageStatus.Complete);

        Assert.Equal(["older", "newer"], _store.List("alice").Select(c => c.Title));
        Assert.Equal(["bob's"], _store.List("bob").Select(c => c.Title));
    }

    [Fact]
    public void AnotherSession_CannotRead_Continue_Rename_Or_Delete_AConversation()
    {
        var chat = _store.Create("alice", "private");
        var message = _store.AddMessage("alice", chat.Id, ChatRole.User, "secret", MessageStatus.Complete)!;

        Assert.Null(_store.Find("mallory", chat.Id));
        Assert.Empty(_store.Messages("mallory", chat.Id));
        Assert.Null(_store.AddMessage("mallory", chat.Id, ChatRole.User, "injected", MessageStatus.Complete));
        Assert.False(_store.UpdateMessage("mallory", message, "changed", MessageStatus.Complete));
        Assert.False(_store.Rename("mallory", chat.Id, "mine now"));
        Assert.False(_store.Delete("mallory", chat.Id));

        Assert.Equal("private", _store.Find("alice", chat.Id)?.Title);
        Assert.Equal(["secret"], _store.Messages("alice", chat.Id).Select(m => m.Text));
    }

    [Fact]
    public void Ids_AreLongAndRandom()
    {
        var ids = Enumerable.Range(0, 50).Select(_ => _store.Create("alice", "x").Id).ToList();

        Assert.Equal(50, ids.Distinct().Count());
        Assert.All(ids, id => Assert.True(id.Length >= 22, id));
    }

    [Fact]
    public void Rename_AndDelete_Work_ForTheOwner()
    {
        var chat = _store.Create("alice", "before");
        _store.AddMessage("alice", chat.Id, ChatRole.User, "hi", MessageStatus.Complete);

        Assert.True(_store.Rename("alice", chat.Id, "  after  "));
        Assert.Equal("after", _store.Find("alice", chat.Id)?.Title);
        Assert.Throws<ArgumentException>(() => _store.Rename("alice", chat.Id, new string('x', ConversationStore.MaxTitleLength + 1)));

        Assert.True(_store.Delete("alice", chat.Id));
        Assert.Null(_store.Find("alice", chat.Id));
        Assert.Empty(_store.Messages("alice", chat.Id));
    }

    [Fact]
    public void MarkStreamingInterrupted_KeepsThePartialText()
    {
        var chat = _store.Create("alice", "q");
        _store.AddMessage("alice", chat.Id, ChatRole.Assistant, "half an ans", MessageStatus.Streaming);

        Assert.Equal(1, _store.MarkStreamingInterrupted());

        var message = Assert.Single(_store.Messages("alice", chat.Id));
        Assert.Equal(MessageStatus.Interrupted, message.Status);
        Assert.Equal("half an ans", message.Text);
    }

    [Fact]
    public void CountCreatedSince_CountsEverySession()
    {
        _store.Create("alice", "yesterday");
        _time.Advance(TimeSpan.FromDays(1));
        _store.Create("alice", "today");
        _store.Create("bob", "today too");

        Assert.Equal(2, _store.CountCreatedSince(_time.GetUtcNow().Date));
    }

    [Theory]
    [InlineData("  What is a GGUF file?\nMore detail", "What is a GGUF file?")]
    [InlineData("   ", "New chat")]
    public void ShortTitle_TakesTheFirstLine(string prompt, string title) =>
        Assert.Equal(title, ConversationStore.ShortTitle(prompt));
}

/// <summary>The same tests on PostgreSQL.</summary>
public sealed class PostgresConversationStoreTests() : ConversationStoreTests(new PostgresTestDatabase());
