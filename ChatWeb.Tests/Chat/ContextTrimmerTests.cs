using ChatWeb.Chat;
using ChatWeb.Engine.Chat;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Chat;

public sealed class ContextTrimmerTests
{
    /// <summary>One token per character: easy to count in a test.</summary>
    private sealed class CharCounter : ITokenCounter
    {
        public bool IsExact => true;
        public int Count(string text) => text.Length;
    }

    private static readonly ITokenCounter Chars = new CharCounter();

    private static List<ChatMessage> Turns(int count) => Enumerable.Range(1, count)
        .SelectMany(i => new[] { new ChatMessage(ChatRole.User, $"q{i}"), new ChatMessage(ChatRole.Assistant, $"a{i}") })
        .ToList();

    [Fact]
    public void EverythingFits_NothingIsLeftOut_AndTheSystemPromptComesFirst()
    {
        var trimmed = ContextTrimmer.Trim("be nice", Turns(2), maxTurns: 10, budgetTokens: 10_000, Chars);

        Assert.Equal(["be nice", "q1", "a1", "q2", "a2"], trimmed.Messages.Select(m => m.Text));
        Assert.Equal(ChatRole.System, trimmed.Messages[0].Role);
        Assert.Equal(0, trimmed.LeftOut);
    }

    [Fact]
    public void MaxTurns_KeepsOnlyTheNewestTurns()
    {
        var trimmed = ContextTrimmer.Trim("sys", Turns(5), maxTurns: 2, budgetTokens: 10_000, Chars);

        Assert.Equal(["sys", "q4", "a4", "q5", "a5"], trimmed.Messages.Select(m => m.Text));
        Assert.Equal(6, trimmed.LeftOut);
    }

    [Fact]
    public void TheTokenBudget_DropsTheOldestTurnsFirst_ButKeepsTheSystemPrompt()
    {
        // Each message costs 2 characters + 4 per message; a turn costs 12; the system prompt 3 + 4.
        var trimmed = ContextTrimmer.Trim("sys", Turns(5), maxTurns: 100, budgetTokens: 7 + 12 * 2, Chars);

        Assert.Equal(["sys", "q4", "a4", "q5", "a5"], trimmed.Messages.Select(m => m.Text));
        Assert.Equal(6, trimmed.LeftOut);
    }

    [Fact]
    public void TheNewestTurn_IsKept_EvenWhenItAloneIsTooLong()
    {
        var conversation = new List<ChatMessage> { new(ChatRole.User, "old"), new(ChatRole.Assistant, "x"), new(ChatRole.User, new string('p', 500)) };

        var trimmed = ContextTrimmer.Trim("sys", conversation, maxTurns: 10, budgetTokens: 50, Chars);

        Assert.Equal(["sys", new string('p', 500)], trimmed.Messages.Select(m => m.Text));
        Assert.Equal(2, trimmed.LeftOut);
    }

    [Fact]
    public void AnEmptySystemPrompt_IsNotSent()
    {
        var trimmed = ContextTrimmer.Trim("  ", Turns(1), maxTurns: 10, budgetTokens: 1000, Chars);

        Assert.Equal(["q1", "a1"], trimmed.Messages.Select(m => m.Text));
    }
}
