using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Api;

public sealed class ChainsApiTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    private static readonly object Chain = new
    {
        stages = new[]
        {
            new[] { "name a fruit", "name a colour" },
            new[] { "combine {{stage1.answer0}} and {{ stage1.answer1 }}" },
        },
        system = "Be short.",
    };

    [Fact]
    public async Task SyncChain_RunsAStagesPromptsTogether_ThenFillsLaterPromptsWithTheirAnswers()
    {
        var model = new EchoChatClient(concurrentPrompts: 2);
        using var client = ChatWebFactory.Keyed(factory.With(model).CreateClient());

        var response = await client.PostAsJsonAsync("/api/chains/sync", Chain);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var answers = body.GetProperty("answers");
        Assert.Equal("echo: name a fruit", answers[0][0].GetString());
        Assert.Equal("echo: name a colour", answers[0][1].GetString());
        Assert.Equal("echo: combine echo: name a fruit and echo: name a colour", answers[1][0].GetString());
        Assert.Equal(3 * 2, body.GetProperty("usage").GetProperty("completionTokens").GetInt32());
        Assert.All(model.Requests, r => Assert.Equal("Be short.", r[0].Text));
    }

    [Fact]
    public async Task StreamedChain_SendsTaggedTokens_PerPromptResults_ThenAllAnswers_ThenDone()
    {
        using var client = ChatWebFactory.Keyed(factory.With(new EchoChatClient(concurrentPrompts: 2)).CreateClient());

        using var response = await client.PostAsJsonAsync("/api/chains", Chain);

        var data = await SseReader.ReadDataAsync(response);
        Assert.Equal("[DONE]", data[^1]);
        var events = SseReader.Json(data);
        var finalTokens = events.Where(e => e.TryGetProperty("token", out _) && e.GetProperty("stage").GetInt32() == 2);
        Assert.Equal("echo: combine echo: name a fruit and echo: name a colour", string.Concat(finalTokens.Select(e => e.GetProperty("token").GetString())));
        var promptsDone = events.Where(e => e.TryGetProperty("promptDone", out _)).Select(e => (e.GetProperty("stage").GetInt32(), e.GetProperty("prompt").GetInt32()));
        Assert.Equal([(1, 0), (1, 1), (2, 0)], promptsDone.Order());
        Assert.True(events[^1].GetProperty("done").GetBoolean());
        Assert.Equal(2, events[^1].GetProperty("answers").GetArrayLength());
    }

    [Theory]
    [InlineData("{\"stages\":[]}", "stages", "at least one stage")]
    [InlineData("{\"stages\":[[\"a {{stage1.answer0}}\"]]}", "stages[0][0]", "must name an earlier stage")]
    [InlineData("{\"stages\":[[\"a\"],[\"b {{stage1.answer3}}\"]]}", "stages[1][0]", "stage 1 has 1 prompts")]
    [InlineData("{\"stages\":[[\"a\", \"\"]]}", "stages[0][1]", "must not be empty")]
    [InlineData("{\"stages\":[[\"a\"]],\"steps\":1}", "steps", "Unknown field")]
    public async Task BadChains_Get400_NamingTheStageAndPrompt(string body, string field, string reason)
    {
        using var client = factory.CreateKeyedClient();

        var response = await client.PostAsync("/api/chains/sync", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Contains(reason, errors.GetProperty(field)[0].GetString());
    }

    [Fact]
    public async Task AFailingPrompt_FailsTheChain_SayingWhichPrompt()
    {
        using var client = factory.CreateKeyedClient();

        var response = await client.PostAsJsonAsync("/api/chains/sync", new { stages = new[] { new[] { "say hello", "please fail" } } });

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("Stage 1, prompt 1 failed", await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Answers "echo: " + the prompt in two pieces. The first <c>concurrentPrompts</c> requests wait until
    /// all of them have started, so prompts run one after another would never finish (and fail after 10 s).
    /// </summary>
    private sealed class EchoChatClient(int concurrentPrompts) : IChatClient
    {
        private readonly TaskCompletionSource _allStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _started;

        public List<List<ChatMessage>> Requests { get; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
            ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            lock (Requests)
                Requests.Add(messages.ToList());
            if (Interlocked.Increment(ref _started) <= concurrentPrompts)
            {
                if (_started == concurrentPrompts)
                    _allStarted.TrySetResult();
                await _allStarted.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            }
            yield return new ChatResponseUpdate(ChatRole.Assistant, "echo: ");
            yield return new ChatResponseUpdate(ChatRole.Assistant, messages.Last().Text);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() { }
    }
}
