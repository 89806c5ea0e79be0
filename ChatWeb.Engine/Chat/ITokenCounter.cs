namespace ChatWeb.Engine.Chat;

/// <summary>
/// Counts the tokens of a text. Until a model is loaded the count is an estimate; the inference
/// engine replaces this service with its model's tokenizer (then <see cref="IsExact"/> is true)
/// and reports the model's context window.
/// </summary>
public interface ITokenCounter
{
    bool IsExact { get; }

    /// <summary>The loaded model's context window in tokens; null uses ChatWeb:Conversations:ContextTokens.</summary>
    int? ContextTokens => null;

    int Count(string text);
}
