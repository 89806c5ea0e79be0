using Microsoft.Extensions.AI;
using ChatWeb.Engine.Chat;

namespace ChatWeb.Chat;

/// <summary>What goes to the model: the system prompt, then the newest turns that fit; and how many messages were left out.</summary>
public sealed record TrimmedHistory(IReadOnlyList<ChatMessage> Messages, int LeftOut);

/// <summary>
/// Fits a conversation into the model's context: the system prompt is always kept, then whole turns
/// (a prompt with its answer) from the newest back, at most <c>maxTurns</c> and within the token
/// budget. The newest turn, which holds the new prompt, is always kept.
/// </summary>
public static class ContextTrimmer
{
    /// <summary>Tokens each message costs beyond its text (role markers of the chat template), estimated.</summary>
    public const int PerMessageTokens = 4;

    public static TrimmedHistory Trim(string systemPrompt, IReadOnlyList<ChatMessage> conversation, int maxTurns, int budgetTokens,
        ITokenCounter counter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTurns, 1);
        var turns = SplitIntoTurns(conversation);
        var used = Cost(systemPrompt, counter);
        var kept = 0;
        var keptMessages = 0;
        for (var i = turns.Count - 1; i >= 0; i--)
        {
            var cost = turns[i].Sum(m => Cost(m.Text, counter));
            if (kept > 0 && (kept == maxTurns || used + cost > budgetTokens))
                break;
            used += cost;
            kept++;
            keptMessages += turns[i].Count;
        }

        var messages = new List<ChatMessage>(keptMessages + 1);
        if (!string.IsNullOrWhiteSpace(systemPrompt))
            messages.Add(new ChatMessage(ChatRole.System, systemPrompt));
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
