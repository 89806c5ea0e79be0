using ChatWeb.Inference.Demo;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ChatWeb.Tests.Inference;

public sealed class DemoChatClientTests
{
    private static DemoChatClient Client(int delayMs = 0) =>
        new(Options.Create(new DemoOptions { WordDelayMs = delayMs }), TimeProvider.System);

    private static async Task<List<ChatResponseUpdate>> StreamAsync(string prompt, CancellationToken ct = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in Client().GetStreamingResponseAsync([new ChatMessage(ChatRole.User, prompt)], cancellationToken: ct))
            updates.Add(u);
        return updates;
    }

    [Theory]
    [InlineData("hello", "Hello! I am ChatWeb's demo assistant.")]
    [InlineData("show me some code", "```csharp")]
    [InlineData("what is streaming?", "token by token")]
    [InlineData("explain please", "Here is how ChatWeb works.")]
    [InlineData("something else", "This is ChatWeb's demo mode")]
    public async Task Keywords_ChooseTheAnswer(string prompt, string expected)
    {
        var text = string.Concat((await StreamAsync(prompt)).Select(u => u.Text));
        Assert.Contains(expected, text);
    }

    [Fact]
    public async Task Answer_StreamsWordByWord_AndEndsWithUsage()
    {
        var updates = await StreamAsync("explain");
        var words = updates.Where(u => u.Text.Length > 0).ToList();

        Assert.True(words.Count > 20);
        Assert.All(words, w => Assert.DoesNotContain(' ', w.Text.TrimEnd()));
        var usage = updates.Last().Contents.OfType<UsageContent>().Single();
        Assert.Equal(words.Count, usage.Details.OutputTokenCount);
    }

    [Fact]
    public async Task AskedToThink_ItThinksInATagFirst()
    {
        var text = string.Concat((await StreamAsync("think about hello")).Select(u => u.Text));
        Assert.StartsWith("<think>", text);
        Assert.Contains("</think>", text);
        Assert.Contains("Hello!", text[text.IndexOf("</think>", StringComparison.Ordinal)..]);
    }

    [Fact]
    public async Task AskedToFail_ItThrowsAClearError()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StreamAsync("please fail"));
        Assert.Contains("failed on purpose", error.Message);
    }

    [Fact]
    public async Task Cancellation_StopsTheStream()
    {
        using var cts = new CancellationTokenSource();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in Client(delayMs: 5).GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "explain")], cancellationToken: cts.Token))
                if (++seen == 3) cts.Cancel();
        });
        Assert.Equal(3, seen);
    }

    [Theory]
    [InlineData("one two  three\n", new[] { "one ", "two  ", "three\n" })]
    [InlineData("single", new[] { "single" })]
    [InlineData("", new string[0])]
    public void SplitIntoWords_KeepsEveryCharacter(string text, string[] expected)
    {
        Assert.Equal(expected, DemoChatClient.SplitIntoWords(text));
    }
}

public sealed class DemoChatClientThinkingTests
{
    private static async Task<List<ChatResponseUpdate>> StreamAsync(string prompt, ChatOptions? options)
    {
        var client = new DemoChatClient(Options.Create(new DemoOptions { WordDelayMs = 0 }), TimeProvider.System);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, prompt)], options))
            updates.Add(u);
        return updates;
    }

    private static ChatOptions Think(bool think) =>
        new() { Reasoning = new ReasoningOptions { Effort = think ? ReasoningEffort.Medium : ReasoningEffort.None } };

    [Fact]
    public async Task ReasoningRequested_ItThinks_WhateverThePromptSays()
    {
        var text = string.Concat((await StreamAsync("hello", Think(true))).Select(u => u.Text));
        Assert.StartsWith("<think>", text);
    }

    [Fact]
    public async Task ReasoningRefused_ItDoesNotThink_EvenWhenThePromptSaysThink()
    {
        var text = string.Concat((await StreamAsync("think about hello", Think(false))).Select(u => u.Text));
        Assert.DoesNotContain("<think>", text);
    }

    [Fact]
    public async Task PromptSaysReasoning_ThoughtsComeAsReasoningContent()
    {
        var updates = await StreamAsync("show reasoning", Think(true));
        var thoughts = string.Concat(updates.SelectMany(u => u.Contents).OfType<TextReasoningContent>().Select(c => c.Text));
        Assert.Equal(DemoAnswers.Thinking, thoughts);
        Assert.DoesNotContain("<think>", string.Concat(updates.Select(u => u.Text)));
    }

    [Fact]
    public void LongAnswer_IsAboutFourThousandTokens()
    {
        var words = DemoChatClient.SplitIntoWords(DemoAnswers.LongMarkdown(sections: 27)).Count();
        Assert.InRange(words, 3_600, 4_800);
    }
}
