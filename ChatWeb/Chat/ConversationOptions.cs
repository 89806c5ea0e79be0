using System.ComponentModel.DataAnnotations;

namespace ChatWeb.Chat;

/// <summary>How much of a conversation is sent to the model with each new prompt.</summary>
public sealed class ConversationOptions
{
    public const string Section = "ChatWeb:Conversations";

    /// <summary>At most this many turns (a prompt and its answer) go to the model, the newest ones.</summary>
    [Range(1, 1000, ErrorMessage = "ChatWeb:Conversations:MaxTurns must be between 1 and 1000.")]
    public int MaxTurns { get; set; } = 20;

    /// <summary>The context window in tokens, used while the backend does not report its model's own.</summary>
    [Range(256, 1_048_576, ErrorMessage = "ChatWeb:Conversations:ContextTokens must be between 256 and 1048576.")]
    public int ContextTokens { get; set; } = 4096;

    /// <summary>Tokens kept free for the answer when the history is trimmed to the context window.</summary>
    [Range(0, 65_536, ErrorMessage = "ChatWeb:Conversations:AnswerTokens must be between 0 and 65536.")]
    public int AnswerTokens { get; set; } = 512;
}
