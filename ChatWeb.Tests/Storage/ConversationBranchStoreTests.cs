using ChatWeb.Chat;
using ChatWeb.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Storage;

public sealed class ConversationBranchStoreTests : IDisposable
{
    private readonly TempDataFolder _folder = new();
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));
    private readonly ConversationStore _store;

    public ConversationBranchStoreTests() => _store = new ConversationStore(_folder.Database(), _time);

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
    public void AConversationStoredBeforeBranches_BecomesOneLine_AndIsSearchable()
    {
        // A database at schema version 1 (before branches and search), with one conversation in it.
        var file = Path.Combine(_folder.Path, "old.db");
        using (var db = new SqliteConnection($"Data Source={file}"))
        {
            db.Open();
            using var command = db.CreateCommand();
            command.CommandText = Migrations.Steps[0] + """
                PRAGMA user_version = 1;
                INSERT INTO conversations VALUES ('c1', 'alice', 'Old chat', NULL, '{}', 1, 1);
                INSERT INTO messages (id, conversation_id, seq, role, text, status, created_at, updated_at) VALUES
                    ('m1', 'c1', 1, 'user', 'tell me about zeppelins', 'Complete', 1, 1),
                    ('m2', 'c1', 2, 'assistant', 'Zeppelins are airships.', 'Complete', 1, 1),
                    ('m3', 'c1', 3, 'user', 'and blimps?', 'Complete', 1, 1);
                """;
            command.ExecuteNonQuery();
        }
        var database = new ChatDatabase(file);
        database.Initialize();
        var store = new ConversationStore(database, _time);

        Assert.Equal(["tell me about zeppelins", "Zeppelins are airships.", "and blimps?"], store.Messages("alice", "c1").Select(m => m.Text));
        Assert.Equal("c1", Assert.Single(store.Search("alice", "airship")).Conversation.Id);
    }
}
