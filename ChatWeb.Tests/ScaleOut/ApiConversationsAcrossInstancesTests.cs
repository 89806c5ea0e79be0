using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatWeb.Tests.Api;
using ChatWeb.Tests.Browser;
using ChatWeb.Storage;
using ChatWeb.Tests.Storage;

namespace ChatWeb.Tests.ScaleOut;

/// <summary>
/// <c>/api/chat</c> conversations live in the shared PostgreSQL database: two ChatWeb processes on it, a conversation
/// started on A goes on on B with its history, and the limit of conversations per caller holds across both.
/// </summary>
[Collection(TwoInstancesCollection.Name)]
public sealed class ApiConversationsAcrossInstancesTests : IAsyncLifetime
{
    private const string Key = "scale-out-api-key";
    private readonly PostgresTestDatabase _database = new();
    private readonly List<string> _folders = [];
    private AppServer _a = null!, _b = null!;

    public async Task InitializeAsync()
    {
        _a = await AppServer.StartAsync(Settings());
        _b = await AppServer.StartAsync(Settings());
    }

    private Dictionary<string, string> Settings()
    {
        var folder = Path.Combine(Path.GetTempPath(), "chatweb-api-scale-" + Guid.NewGuid().ToString("N"));
        _folders.Add(folder);
        return new()
        {
            ["ChatWeb:Storage:DataFolder"] = folder,
            ["ChatWeb:Storage:Provider"] = "Postgres",
            ["ChatWeb:Storage:ConnectionString"] = _database.ConnectionString,
            ["ChatWeb:Api:Keys:0:Name"] = "team",
            ["ChatWeb:Api:Keys:0:Sha256"] = ChatWeb.Api.Access.ApiKeyRing.Hash(Key),
            ["ChatWeb:Api:MaxConversationsPerOwner"] = "2",
        };
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        _database.Dispose();
        foreach (var folder in _folders)
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static HttpClient Client(AppServer app)
    {
        var client = new HttpClient { BaseAddress = app.BaseUri, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", Key);
        return client;
    }

    /// <summary>One streamed turn: its answer, and the done event (conversation id, usage, forgotten conversations).</summary>
    private static async Task<(string Answer, JsonElement Done)> ChatAsync(HttpClient client, string message, string? conversationId = null)
    {
        using var response = await client.PostAsJsonAsync("/api/chat", new { message, conversationId });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = SseReader.Json(await SseReader.ReadDataAsync(response));
        var answer = new StringBuilder();
        foreach (var e in events.Where(e => e.TryGetProperty("phase", out var phase) && phase.GetString() == "answer"))
            answer.Append(e.GetProperty("token").GetString());
        return (answer.ToString(), events.Single(e => e.TryGetProperty("done", out _)));
    }

    [Fact]
    public async Task AConversationStartedOnA_IsContinuedOnB_WithItsHistory()
    {
        using var a = Client(_a);
        using var b = Client(_b);

        var (firstAnswer, first) = await ChatAsync(a, "tell me about streaming");
        var id = first.GetProperty("conversationId").GetString()!;
        var (_, second) = await ChatAsync(b, "and again please", id);

        // The demo counts every word it is sent: B sent A's prompt and answer before the new three words.
        Assert.Equal(id, second.GetProperty("conversationId").GetString());
        Assert.False(string.IsNullOrWhiteSpace(firstAnswer));
        var promptTokens = (JsonElement done) => done.GetProperty("usage").GetProperty("promptTokens").GetInt32();
        Assert.Equal(promptTokens(first) + first.GetProperty("usage").GetProperty("completionTokens").GetInt32() + 3, promptTokens(second));
        // …and A continues the conversation B added to.
        var (_, third) = await ChatAsync(a, "once more", id);
        Assert.Equal(promptTokens(second) + second.GetProperty("usage").GetProperty("completionTokens").GetInt32() + 2, promptTokens(third));
    }

    [Fact]
    public async Task TheLimitPerCaller_HoldsAcrossInstances_TheOldestIsForgottenEverywhere()
    {
        using var a = Client(_a);
        using var b = Client(_b);

        var (_, first) = await ChatAsync(a, "first");
        var (_, second) = await ChatAsync(b, "second");
        var (_, third) = await ChatAsync(a, "third");
        var ids = new[] { first, second, third }.Select(d => d.GetProperty("conversationId").GetString()!).ToArray();

        Assert.Empty(second.GetProperty("forgottenConversations").EnumerateArray());
        Assert.Equal([ids[0]], third.GetProperty("forgottenConversations").EnumerateArray().Select(e => e.GetString()));
        using var database = new PostgresChatDatabase(_database.ConnectionString);
        Assert.Equal(2, new ApiConversationStore(database, TimeProvider.System).Count("key:team"));
        using var onB = await b.PostAsJsonAsync("/api/chat/sync", new { message = "still there?", conversationId = ids[0] });
        using var kept = await b.PostAsJsonAsync("/api/chat/sync", new { message = "still there?", conversationId = ids[1] });
        Assert.Equal(HttpStatusCode.NotFound, onB.StatusCode);
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
    }
}
