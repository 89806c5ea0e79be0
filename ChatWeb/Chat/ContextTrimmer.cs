using Microsoft.Extensions.AI;
using ChatWeb.Engine.Chat;

namespace ChatWeb.Chat;

/// <summary>What goes to the model: the system prompt, then the newest turns that fit; and how many messages were left out.</summary>
public sealed record TrimmedHistory(IReadOnlyList<ChatMessage> Messages, int LeftOut);

/// <summary>
/// Fits a conversation into the model's context: the leading messages (the system prompt) are always
/// kept, then whole turns (a prompt with its answer) from the newest back, at most <c>maxTurns</c> and
/// within the token budget. The newest turn, which holds the new prompt, is always kept.
/// </summary>
public static class ContextTrimmer
{
    /// <summary>Tokens each message costs beyond its text (role markers of the chat template), estimated.</summary>
    public const int PerMessageTokens = 4;

    /// <summary>Trims <paramref name="conversation"/> after a system prompt (none when blank).</summary>
    public static TrimmedHistory Trim(string systemPrompt, IReadOnlyList<ChatMessage> conversation, int maxTurns, int budgetTokens,
        ITokenCounter counter) =>
        Trim(string.IsNullOrWhiteSpace(systemPrompt) ? [] : [new ChatMessage(ChatRole.System, systemPrompt)],
            conversation, maxTurns, budgetTokens, counter);

    /// <summary>Trims <paramref name="conversation"/> after <paramref name="kept"/>, which always go first, whole.</summary>
    public static TrimmedHistory Trim(IReadOnlyList<ChatMessage> kept, IReadOnlyList<ChatMessage> conversation, int maxTurns,
        int budgetTokens, ITokenCounter counter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTurns, 1);
        var turns = SplitIntoTurns(conversation);
        var used = kept.Sum(m => Cost(m.Text, counter));
        var keptTurns = 0;
        var keptMessages = 0;
        for (var i = turns.Count - 1; i >= 0; i--)
        {
            var cost = turns[i].Sum(m => Cost(m.Text, counter));
            if (keptTurns > 0 && (keptTurns == maxTurns || used + cost > budgetTokens))
                break;
            used += cost;
            keptTurns++;
            keptMessages += turns[i].Count;
        }

        var messages = new List<ChatMessage>(kept.Count + keptMessages);
        messages.AddRange(kept);
        messages.AddRange(conversation.Skip(conversation.Count - keptMessages));
        return new TrimmedHistory(messages, conversation.Count - keptMessages);
    }

    private static int Cost(string text, ITokenCounter counter) => counter.Count(text) + PerMessageTokens;

    // A turn starts at each user message; anything before the first user message is its own turn.
    private static List<List<ChatMessage>> SplitIntoTurns(IReadOnlyList<ChatMessage> conversation)
    {
        var turns = new List<List<ChatMessage>>();
        foreach (var message in conversation)
        {
            if (turns.Count == 0 || message.Role == ChatRole.User)
                turns.Add([]);
            turns[^1].Add(message);
        }
        return turns;
    }
}
