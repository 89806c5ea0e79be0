using System.Text;
using ChatWeb.Chat;
using ChatWeb.Chat.Transfer;
using ChatWeb.Storage;
using ChatWeb.Tests.Storage;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Chat.Transfer;

public class ConversationArchiveTests : IDisposable
{
    private readonly ITestDatabase _folder;
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));
    private ConversationStore? _opened;

    public ConversationArchiveTests() : this(new TempDataFolder()) { }

    protected ConversationArchiveTests(ITestDatabase database) => _folder = database;

    /// <summary>Opened on first use, so the tests that need no database start none.</summary>
    private ConversationStore Store => _opened ??= new ConversationStore(_folder.Database(), _time);

    public void Dispose() => _folder.Dispose();

    private IReadOnlyList<(StoredConversation, IReadOnlyList<StoredMessage>)> Export(string owner, string id) =>
        [(Store.Find(owner, id)!, Store.AllMessages(owner, id))];

    /// <summary>A branched conversation: a regenerated answer (the first one selected again) and an edited, pinned follow-up.</summary>
    private string BranchedConversation()
    {
        var id = Store.Create("alice", "Sky colours").Id;
        Store.SetPinned("alice", id, true);
        Store.SetSettings("alice", id, """{"Temperature":0.2,"Think":true}""");
        Store.AddMessage("alice", id, ChatRole.User, "Why is the sky blue?", MessageStatus.Complete);
        var first = Store.AddMessage("alice", id, ChatRole.Assistant, "Scattering.", MessageStatus.Complete, thoughts: "Rayleigh")!;
        Store.UpdateMessage("alice", first, "Rayleigh scattering.", MessageStatus.Complete, "Rayleigh",
            stats: new MessageStats(TimeSpan.FromMilliseconds(1200), 42, TimeSpan.FromMilliseconds(3400)));
        Store.AddAlternative("alice", first, ChatRole.Assistant, "Because of the air.", MessageStatus.Stopped);
        Store.SelectAlternative("alice", first);
        var followUp = Store.AddMessage("alice", id, ChatRole.User, "And sunsets?", MessageStatus.Complete)!;
        Store.AddAlternative("alice", followUp, ChatRole.User, "And at sunset?", MessageStatus.Complete);
        Store.AddMessage("alice", id, ChatRole.Assistant, "Longer path, more red.", MessageStatus.Failed, error: "server busy");
        return id;
    }

    private static object Shape(StoredConversation c, IReadOnlyList<StoredMessage> all) => new
    {
        c.Title, c.Pinned, c.Settings, c.CreatedAt,
        Shown = string.Join(" | ", ConversationTree.SelectedPath(all).Select(m => $"{m.Role}:{m.Text}:{m.Status}:{m.Branch}")),
        All = string.Join(" | ", all.Select(m => $"{m.Role}:{m.Text}:{m.Thoughts}:{m.Error}:{m.Selected}:{m.Stats}")),
    };

    [Fact]
    public void ExportThenImport_GivesTheSameConversation_ForTheImportingOwner()
    {
        var id = BranchedConversation();
        var file = ConversationArchive.Write(Export("alice", id), _time.GetUtcNow());

        var read = ConversationArchive.Read(file, _time.GetUtcNow());
        Assert.Null(read.Problem);
        var imported = Assert.Single(Store.Import("bob", read.Conversations));

        Assert.NotEqual(id, imported);
        Assert.Equal(Shape(Store.Find("alice", id)!, Store.AllMessages("alice", id)),
                     Shape(Store.Find("bob", imported)!, Store.AllMessages("bob", imported)));
        Assert.Null(Store.Find("alice", imported));
        Assert.Equal(["Sky colours"], Store.Search("bob", "sunset").Select(h => h.Conversation.Title));
    }

    [Fact]
    public void Markdown_HasTheTitle_AndTheSelectedBranchTurnByTurn()
    {
        var markdown = ConversationMarkdown.Write(Export("alice", BranchedConversation()));

        Assert.StartsWith("# Sky colours\n", markdown);
        Assert.Contains("## You\n\nWhy is the sky blue?\n\n## Assistant\n\nRayleigh scattering.\n\n## You\n\nAnd at sunset?", markdown);
        Assert.Contains("_(Failed: server busy)_", markdown);
        Assert.DoesNotContain("Because of the air.", markdown);
    }

    public static TheoryData<string, string> BadFiles => new()
    {
        { "this is not json", "not valid JSON" },
        { """{"format":"something-else","version":1,"conversations":[]}""", "not a ChatWeb export" },
        { """{"format":"chatweb-conversations","version":7,"conversations":[]}""", "version 7" },
        { """{"format":"chatweb-conversations","version":1,"conversations":[]}""", "no conversations" },
        { """{"format":"chatweb-conversations","version":1,"conversations":[{"title":"","messages":[]}]}""", "no title" },
        { """{"format":"chatweb-conversations","version":1,"conversations":[{"title":"t"}]}""", "no \"messages\" list" },
        { """{"format":"chatweb-conversations","version":1,"conversations":[{"title":"t","messages":[{"id":"a","role":"system","text":"x"}]}]}""", "only \"user\" and \"assistant\"" },
        { """{"format":"chatweb-conversations","version":1,"conversations":[{"title":"t","messages":[{"id":"a","parentId":"b","role":"user","text":"x"}]}]}""", "names no earlier message" },
        { """{"format":"chatweb-conversations","version":1,"conversations":[{"title":"t","messages":[{"id":"a","role":"user","text":"x"},{"id":"a","role":"user","text":"y"}]}]}""", "repeats the id" },
        { """{"format":"chatweb-conversations","version":1,"conversations":[{"title":"t","messages":[{"id":"a","role":"user","text":"x","status":"exploded"}]}]}""", "unknown status" },
        { """{"format":"chatweb-conversations","version":1,"conversations":[{"title":"t","settings":[1],"messages":[]}]}""", "settings are not a JSON object" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadFiles_AreRefused_WithAMessageSayingWhy(string file, string expected)
    {
        var read = ConversationArchive.Read(Encoding.UTF8.GetBytes(file), _time.GetUtcNow());

        Assert.Empty(read.Conversations);
        Assert.Contains(expected, read.Problem);
    }

    [Fact]
    public void OneBadConversation_RefusesTheWholeFile()
    {
        var good = Encoding.UTF8.GetString(ConversationArchive.Write(Export("alice", BranchedConversation()), _time.GetUtcNow()));
        var withBad = good.Replace("\"conversations\": [", "\"conversations\": [ { \"title\": \"broken\", \"messages\": [ { \"id\": \"x\" } ] },");

        var read = ConversationArchive.Read(Encoding.UTF8.GetBytes(withBad), _time.GetUtcNow());

        Assert.Contains("Conversation 1 of the file (“broken”)", read.Problem);
        Assert.Contains("Nothing was imported", read.Problem);
        Assert.Empty(read.Conversations);
    }

    [Theory]
    [InlineData("Why is the sky blue?", "why-is-the-sky-blue")]
    [InlineData("../../etc/passwd", "etc-passwd")]
    [InlineData("日本語", "conversation")]
    public void FileNames_AreSafe(string title, string slug) => Assert.Equal(slug, FileNames.Slug(title));
}

/// <summary>The same tests on PostgreSQL.</summary>
public sealed class PostgresConversationArchiveTests() : ConversationArchiveTests(new PostgresTestDatabase());
