using ChatWeb.Engine.Chat;
using ChatWeb.Engine.Local;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatWeb.Tests.Engine.Local;

/// <summary>
/// The engine as an IChatClient on stories260K, a story model with no chat template (so the plain
/// format is used: the messages' text, which the model continues).
/// </summary>
public sealed class GgufChatClientTests
{
    private static GgufChatClient Client(string? template = null) => new(
        LocalModel.Load(new ModelOptions { Path = TestPaths.Model("stories260K", "stories260K.gguf"), ChatTemplate = template, Threads = 1 }),
        NullLogger<GgufChatClient>.Instance);

    private static async Task<List<ChatResponseUpdate>> StreamAsync(IChatClient client, ChatOptions options, params ChatMessage[] messages)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(messages, options))
            updates.Add(update);
        return updates;
    }

    private static string Answer(IEnumerable<ChatResponseUpdate> updates) =>
        string.Concat(updates.SelectMany(u => u.Contents).OfType<TextContent>().Select(c => c.Text));

    [Fact]
    public async Task Greedy_FromAnEmptyConversation_StreamsTheKnownStory_TokenByToken()
    {
        using var client = Client();
        var updates = await StreamAsync(client, new ChatOptions { Temperature = 0, MaxOutputTokens = 25 });

        Assert.StartsWith("Once upon a time, there was a little girl named Lily.", Answer(updates));
        Assert.True(updates.Count(u => u.Contents.OfType<TextContent>().Any()) > 10, "the answer should arrive in many updates");
        var usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>()).Details;
        Assert.Equal(1, usage.InputTokenCount); // BOS only
        Assert.Equal(25, usage.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, updates[^1].FinishReason);
    }

    [Fact]
    public async Task StoryEnds_WhenTheModelEndsIt_BeforeTheTokenLimit()
    {
        // stories260K ends a story with EOS or by starting the next one with BOS; either ends the answer.
        using var client = Client();
        var updates = await StreamAsync(client, new ChatOptions { Temperature = 1f, Seed = 1, MaxOutputTokens = 1000 });

        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        var usage = updates.SelectMany(u => u.Contents).OfType<UsageContent>().Single().Details;
        Assert.InRange(usage.OutputTokenCount!.Value, 20, 999);
        Assert.DoesNotContain("<s>", Answer(updates));
    }

    [Fact]
    public async Task StopSequence_SpanningTokens_EndsTheAnswerBeforeIt()
    {
        using var client = Client();
        var updates = await StreamAsync(client, new ChatOptions { Temperature = 0, MaxOutputTokens = 60, StopSequences = ["little girl"] });

        Assert.Equal("Once upon a time, there was a ", Answer(updates)); // "little" and "girl" are separate tokens
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
    }

    [Fact]
    public async Task UserText_IsContinued_AndUsageCountsThePrompt()
    {
        using var client = Client();
        var updates = await StreamAsync(client, new ChatOptions { Temperature = 0.8f, Seed = 7, MaxOutputTokens = 30 },
            new ChatMessage(ChatRole.User, "Once upon a time there was a cat"));

        Assert.False(string.IsNullOrWhiteSpace(Answer(updates)));
        var usage = updates.SelectMany(u => u.Contents).OfType<UsageContent>().Single().Details;
        Assert.True(usage.InputTokenCount > 5);
        Assert.InRange(usage.OutputTokenCount!.Value, 1, 30);
    }

    [Fact]
    public async Task SameSeed_GivesTheSameAnswer_EvenAfterAnotherConversation()
    {
        using var client = Client();
        var options = new ChatOptions { Temperature = 1f, Seed = 42, MaxOutputTokens = 20 };
        var first = Answer(await StreamAsync(client, options, new ChatMessage(ChatRole.User, "The dog")));
        _ = await StreamAsync(client, options, new ChatMessage(ChatRole.User, "A bird sang"));
        var again = Answer(await StreamAsync(client, options, new ChatMessage(ChatRole.User, "The dog")));
        Assert.Equal(first, again);
    }

    [Fact]
    public async Task NextTurnOfAConversation_ReadsOnlyWhatFollowsTheKeptHistory_AndAnswersAsAFreshReading()
    {
        using var client = Client("{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}[assistant]");
        ChatOptions Options(string owner) => new ChatOptions { Temperature = 0, MaxOutputTokens = 20 }.WithOwner(owner);
        var question = new ChatMessage(ChatRole.User, "Tom had a red ball.");
        var first = await StreamAsync(client, Options("alice"), question);
        ChatMessage[] conversation = [question, new(ChatRole.Assistant, Answer(first)), new(ChatRole.User, "Then the ball rolled away.")];

        var second = await StreamAsync(client, Options("alice"), conversation);
        var fresh = await StreamAsync(client, Options("bob"), conversation);

        int Read(List<ChatResponseUpdate> updates) =>
            updates.Select(u => u.GetProgress()).Last(p => p?.State == ChatWeb.Engine.Scheduling.GenerationState.Prompt)!.PromptTokens;
        int Input(List<ChatResponseUpdate> updates) => (int)updates.SelectMany(u => u.Contents).OfType<UsageContent>().Single().Details.InputTokenCount!;
        Assert.Equal(Input(fresh), Read(fresh));
        Assert.True(Read(second) <= Input(second) - Input(first) + 1, $"read {Read(second)} of {Input(second)} tokens; the first turn's {Input(first)} were kept");
        Assert.Equal(Answer(fresh), Answer(second));
        Assert.NotEqual("", Answer(second));
    }

    [Fact]
    public async Task TemplateThatOpensAThinkBlock_StreamsTheOutputAsReasoning()
    {
        using var client = Client("{{ messages[0].content }}<think>\n");
        var updates = await StreamAsync(client, new ChatOptions { Temperature = 0, MaxOutputTokens = 15 },
            new ChatMessage(ChatRole.User, "Once upon a time"));

        var reasoning = string.Concat(updates.SelectMany(u => u.Contents).OfType<TextReasoningContent>().Select(c => c.Text));
        Assert.False(string.IsNullOrWhiteSpace(reasoning));
        Assert.Equal("", Answer(updates));
    }

    [Fact]
    public async Task PromptLongerThanTheContext_FailsWithAClearMessage()
    {
        using var client = new GgufChatClient(
            LocalModel.Load(new ModelOptions { Path = TestPaths.Model("stories260K", "stories260K.gguf"), ContextTokens = 16, Threads = 1 }),
            NullLogger<GgufChatClient>.Instance);
        var error = await Assert.ThrowsAsync<ChatWeb.Engine.Scheduling.PromptTooLongException>(() =>
            StreamAsync(client, new ChatOptions(), new ChatMessage(ChatRole.User, string.Join(' ', Enumerable.Repeat("story", 40)))));
        Assert.Contains("this server accepts at most 12", error.Message); // three quarters of the 16-token context
    }

    [Fact]
    public void MissingFile_SaysWhichFile()
    {
        var error = Assert.Throws<FileNotFoundException>(() => LocalModel.Load(new ModelOptions { Path = "/nonexistent/model.gguf" }));
        Assert.Contains("'/nonexistent/model.gguf' was not found", error.Message);
    }
}

/// <summary>Small unit checks of the stop-string filter.</summary>
public sealed class StopSequenceFilterTests
{
    [Fact]
    public void HoldsBackAPossibleStart_ThenReleasesItWhenItIsNot()
    {
        var filter = new StopSequenceFilter(["</answer>"]);
        Assert.Equal("Hello ", filter.Push("Hello </"));
        Assert.Equal("</b> ok", filter.Push("b> ok"));
        Assert.False(filter.Stopped);
    }

    [Fact]
    public void StopsAcrossPieces()
    {
        var filter = new StopSequenceFilter(["STOP"]);
        Assert.Equal("a ", filter.Push("a ST"));
        Assert.Equal("", filter.Push("OP and more"));
        Assert.True(filter.Stopped);
        Assert.Equal("", filter.Flush());
    }
}
