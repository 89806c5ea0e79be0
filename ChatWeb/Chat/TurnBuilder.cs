using ChatWeb.Engine.Chat;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ChatWeb.Chat;

/// <summary>
/// Builds what the model receives for one reply, the same for the chat page, <c>/api/chat</c>,
/// <c>/api/chains</c>, <c>/ws/chat</c> and the terminal: one system message composed by
/// <see cref="SystemPrompt"/> (the preset's prompt and extra instructions, then the caller's own), then
/// the newest turns that fit the chosen model's context window (a remote model's from <see cref="IModelCatalog"/>;
/// the local one's <see cref="ITokenCounter.ContextTokens"/> when it reports it; else <c>ChatWeb:Conversations:ContextTokens</c>) less the answer's
/// budget (<c>AnswerTokens</c>), at most <c>MaxTurns</c>. The result says how many messages were left out.
/// </summary>
public sealed class TurnBuilder(IOptions<ConversationOptions> options, ITokenCounter tokens, IModelCatalog? models = null)
{
    public TurnBuilder(ConversationOptions options, ITokenCounter tokens) : this(Options.Create(options), tokens) { }

    /// <summary>The defaults of <see cref="ConversationOptions"/> with a token estimate: for a program without a model's counter.</summary>
    public static TurnBuilder Default { get; } = new(new ConversationOptions(), new EstimatedTokenCounter());

    /// <summary>The context window in tokens of <paramref name="model"/> (null: the local model).</summary>
    public int ContextTokens(string? model = null) => models?.ContextTokensOf(model) ?? tokens.ContextTokens ?? options.Value.ContextTokens;

    /// <summary>What the prompt may use: the context window less the answer's budget.</summary>
    public int BudgetTokens(string? model = null) => Math.Max(1, ContextTokens(model) - options.Value.AnswerTokens);

    /// <summary>
    /// The system prompt composed from <paramref name="systemParts"/> (in order; blank ones left out),
    /// then the newest turns of <paramref name="conversation"/> that fit <paramref name="model"/>; the last turn (the new prompt) always.
    /// </summary>
    public TrimmedHistory Build(IEnumerable<string?> systemParts, IReadOnlyList<ChatMessage> conversation, string? model = null) =>
        ContextTrimmer.Trim(SystemPrompt.Compose(systemParts), conversation, options.Value.MaxTurns, BudgetTokens(model), tokens);

    /// <summary>
    /// A stateless client's messages (<c>/v1</c>) as it sent them, less the oldest turns when the whole
    /// does not fit the context: its leading system messages stay, no turn limit applies.
    /// </summary>
    public TrimmedHistory Fit(IReadOnlyList<ChatMessage> messages, string? model = null)
    {
        var system = messages.TakeWhile(m => m.Role == ChatRole.System).ToList();
        return ContextTrimmer.Trim(system, messages.Skip(system.Count).ToList(), int.MaxValue, BudgetTokens(model), tokens);
    }
}
