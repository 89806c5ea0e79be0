using ChatWeb.Storage;

namespace ChatWeb.Tests.Storage;

/// <summary>The API's conversation rows: one reply at a time (a claim that a dead instance cannot keep forever), kept per owner, bounded.</summary>
public class ApiConversationStoreTests : IDisposable
{
    private readonly ITestDatabase _database;
    private readonly ManualTimeProvider _time = new();

    public ApiConversationStoreTests() : this(new TempDataFolder()) { }

    protected ApiConversationStoreTests(ITestDatabase database) => _database = database;

    public void Dispose() => _database.Dispose();

    private static readonly ApiConversationState OneTurn = new(["Be brief."],
        [new("user", "What is two and two?"), new("assistant", "Four.")], Forgotten: 2);

    [Fact]
    public void AClaimedConversation_IsBusyForEveryoneElse_UntilSaved_ThenHoldsWhatWasSaved()
    {
        var store = new ApiConversationStore(_database.Database(), _time);
        store.Create("c1", "alice", maxPerOwner: 10, maxInAll: 100);

        var first = store.TryClaim("c1", "alice", _time.GetUtcNow().AddMinutes(10));
        var second = store.TryClaim("c1", "alice", _time.GetUtcNow().AddMinutes(10));
        var foreign = store.TryClaim("c1", "bob", _time.GetUtcNow().AddMinutes(10));
        store.Save("c1", "alice", OneTurn);
        var next = store.TryClaim("c1", "alice", _time.GetUtcNow().AddMinutes(10));

        Assert.NotNull(first);
        Assert.Empty(first.History);
        Assert.Null(second);
        Assert.Null(foreign);
        Assert.False(store.Exists("c1", "bob"));
        Assert.Equal(OneTurn.SystemPrompts, next!.SystemPrompts);
        Assert.Equal(OneTurn.History, next.History);
        Assert.Equal(2, next.Forgotten);
    }

    [Fact]
    public void AClaimThatRanOut_CanBeTakenOver()
    {
        var store = new ApiConversationStore(_database.Database(), _time);
        store.Create("c1", "alice", maxPerOwner: 10, maxInAll: 100);
        Assert.NotNull(store.TryClaim("c1", "alice", _time.GetUtcNow().AddMinutes(10)));

        _time.Advance(TimeSpan.FromMinutes(11));

        Assert.NotNull(store.TryClaim("c1", "alice", _time.GetUtcNow().AddMinutes(10)));
    }

    [Fact]
    public void Create_PastTheOwnersLimit_ForgetsTheLeastRecentlyUsedIdleOnes_AndSaysWhich()
    {
        var store = new ApiConversationStore(_database.Database(), _time);
        store.Create("old", "alice", maxPerOwner: 2, maxInAll: 100);
        store.Create("busy", "alice", maxPerOwner: 2, maxInAll: 100);
        store.Create("bobs", "bob", maxPerOwner: 2, maxInAll: 100);
        store.TryClaim("busy", "alice", _time.GetUtcNow().AddMinutes(10)); // streaming: never forgotten
        store.TryClaim("old", "alice", _time.GetUtcNow().AddMinutes(10));  // used most recently…
        store.Save("old", "alice", OneTurn);                                 // …and idle again

        var forgotten = store.Create("new", "alice", maxPerOwner: 2, maxInAll: 100);
        var again = store.Create("newer", "alice", maxPerOwner: 2, maxInAll: 100);

        Assert.Equal(["old"], forgotten);
        Assert.Equal(["new"], again);
        Assert.Equal(2, store.Count("alice"));
        Assert.True(store.Exists("busy", "alice"));
        Assert.Equal(1, store.Count("bob"));
    }

    [Fact]
    public void ANewConversationClaimedForItsFirstReply_IsNotForgottenBeforeThatReplyBegins()
    {
        var store = new ApiConversationStore(_database.Database(), _time);
        var until = _time.GetUtcNow().AddMinutes(10);
        store.Create("first", "alice", maxPerOwner: 1, maxInAll: 100, claimedUntil: until);

        var forgotten = store.Create("second", "alice", maxPerOwner: 1, maxInAll: 100, claimedUntil: until);

        Assert.Empty(forgotten); // a created-but-idle "first" would have been forgotten here, and its reply refused
        Assert.True(store.Exists("first", "alice"));
        Assert.Null(store.TryClaim("first", "alice", until)); // claimed by the request that created it
    }

    [Fact]
    public void PastTheCharactersInAll_TheLeastRecentlyUsedIdleConversationsAreForgotten()
    {
        var store = new ApiConversationStore(_database.Database(), _time);
        var big = new ApiConversationState([], [new("user", new string('q', 600))], 0);
        foreach (var id in new[] { "a", "b", "c" })
        {
            store.Create(id, "alice", maxPerOwner: 10, maxInAll: 100);
            store.TryClaim(id, "alice", _time.GetUtcNow().AddMinutes(10));
            store.Save(id, "alice", big);
        }

        var forgotten = store.ForgetPastCharacters(1_500);

        Assert.Equal(1, forgotten);
        Assert.False(store.Exists("a", "alice"));
        Assert.True(store.Exists("b", "alice"));
        Assert.True(store.Exists("c", "alice"));
    }
}

/// <summary>The same tests on PostgreSQL.</summary>
public sealed class PostgresApiConversationStoreTests() : ApiConversationStoreTests(new PostgresTestDatabase());
