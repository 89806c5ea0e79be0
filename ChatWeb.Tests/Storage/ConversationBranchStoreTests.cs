using ChatWeb.Chat;
using ChatWeb.Storage;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Storage;

public class ConversationBranchStoreTests : IDisposable
{
    private readonly ITestDatabase _folder;
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));
    private readonly ConversationStore _store;

    public ConversationBranchStoreTests() : this(new TempDataFolder()) { }

    protected ConversationBranchStoreTests(ITestDatabase database)
    {
        _folder = database;
        _store = new ConversationStore(_folder.Database(), _time);
    }

    public void Dispose() => _folder.Dispose();

    private (string Chat, string Question, string Answer) QuestionAndAnswer()
    {
        var chat = _store.Create("alice", "q").Id;
        var question = _store.AddMessage("alice", chat, ChatRole.User, "question", MessageStatus.Complete)!;
        var answer = _store.AddMessage("alice", chat, ChatRole.Assistant, "first answer", MessageStatus.Complete)!;
        return (chat, question, answer);
    }

    [Fact]
    public void AnAlternativeAnswer_IsShown_AndTheEarlierOneIsKept()
    {
        var (chat, _, answer) = QuestionAndAnswer();

        _store.AddAlternative("alice", answer, ChatRole.Assistant, "second answer", MessageStatus.Complete);

        var shown = _store.Messages("alice", chat);
        Assert.Equal(["question", "second answer"], shown.Select(m => m.Text));
        Assert.Equal(new BranchPosition(1, 1), shown[0].Branch);
        Assert.Equal(new BranchPosition(2, 2), shown[1].Branch);
        Assert.Equal(3, _store.AllMessages("alice", chat).Count);
    }

    [Fact]
    public void SelectingAnEarlierVersion_IsStored_AndNewMessagesFollowIt()
    {
        var (chat, _, answer) = QuestionAndAnswer();
        _store.AddAlternative("alice", answer, ChatRole.Assistant, "second answer", MessageStatus.Complete);

        Assert.True(_store.SelectAlternative("alice", answer));
        _store.AddMessage("alice", chat, ChatRole.User, "follow-up", MessageStatus.Complete);

        var shown = _store.Messages("alice", chat);
        Assert.Equal(["question", "first answer", "follow-up"], shown.Select(m => m.Text));
        Assert.Equal(new BranchPosition(1, 2), shown[1].Branch);
    }

    [Fact]
    public void AnEditedPrompt_StartsABranch_AndEachBranchKeepsItsOwnLaterChoice()
    {
        var (chat, question, answer) = QuestionAndAnswer();
        _store.AddAlternative("alice", answer, ChatRole.Assistant, "second answer", MessageStatus.Complete);
        _store.SelectAlternative("alice", answer); // the first answer under the first question

        var edited = _store.AddAlternative("alice", question, ChatRole.User, "question, edited", MessageStatus.Complete)!;
        _store.AddMessage("alice", chat, ChatRole.Assistant, "answer to the edit", MessageStatus.Complete);
        Assert.Equal(["question, edited", "answer to the edit"], _store.Messages("alice", chat).Select(m => m.Text));

        _store.SelectAlternative("alice", question);
        Assert.Equal(["question", "first answer"], _store.Messages("alice", chat).Select(m => m.Text));
        Assert.Equal([question, edited], _store.Alternatives("alice", question));
    }

    [Fact]
    public void AnotherSession_CannotBranch_OrSwitchBranches()
    {
        var (chat, question, answer) = QuestionAndAnswer();

        Assert.Null(_store.AddAlternative("mallory", answer, ChatRole.Assistant, "injected", MessageStatus.Complete));
        Assert.False(_store.SelectAlternative("mallory", question));
        Assert.Empty(_store.Alternatives("mallory", answer));
        Assert.Equal(["question", "first answer"], _store.Messages("alice", chat).Select(m => m.Text));
    }

    [Fact]
    public void AFailedTurn_IsRemovedWithWhatFollows_AndTheEarlierAnswerCanBeShownAgain()
    {
        var (chat, _, answer) = QuestionAndAnswer();
        var failed = _store.AddAlternative("alice", answer, ChatRole.Assistant, "half an answ", MessageStatus.Streaming)!;

        Assert.False(_store.DeleteMessage("mallory", failed));
        Assert.True(_store.DeleteMessage("alice", failed));
        _store.SelectAlternative("alice", answer);

        var shown = _store.Messages("alice", chat);
        Assert.Equal(["question", "first answer"], shown.Select(m => m.Text));
        Assert.Equal(BranchPosition.Only, shown[1].Branch);
        Assert.Equal(2, _store.AllMessages("alice", chat).Count);
    }
}

/// <summary>The same tests on PostgreSQL.</summary>
public sealed class PostgresConversationBranchStoreTests() : ConversationBranchStoreTests(new PostgresTestDatabase());
