using ChatWeb.Storage;

namespace ChatWeb.Tests.Storage;

public class PromptHistoryStoreTests : IDisposable
{
    private readonly ITestDatabase _folder;

    public PromptHistoryStoreTests() : this(new TempDataFolder()) { }

    protected PromptHistoryStoreTests(ITestDatabase database) => _folder = database;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void List_ReturnsTheSessionsPromptsOldestFirst_WithoutRepeatsInARow_AndNotOtherSessions()
    {
        var store = new PromptHistoryStore(_folder.Database(), TimeProvider.System);
        store.Add("alice", "one");
        store.Add("alice", "two");
        store.Add("alice", "two");
        store.Add("bob", "bob's");
        store.Add("alice", "  ");

        Assert.Equal(["one", "two"], store.List("alice"));
        Assert.Equal(["bob's"], store.List("bob"));
    }

    [Fact]
    public void Add_ForgetsTheOldest_BeyondTheLimit()
    {
        var store = new PromptHistoryStore(_folder.Database(), TimeProvider.System);
        for (var i = 0; i < PromptHistoryStore.Limit + 5; i++)
            store.Add("alice", $"prompt {i}");

        var kept = store.List("alice");
        Assert.Equal(PromptHistoryStore.Limit, kept.Count);
        Assert.Equal("prompt 5", kept[0]);
    }
}

/// <summary>The same tests on PostgreSQL.</summary>
public sealed class PostgresPromptHistoryStoreTests() : PromptHistoryStoreTests(new PostgresTestDatabase());
