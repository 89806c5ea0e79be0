namespace ChatWeb.Engine.Chat;

/// <summary>
/// Counts the tokens of a text. Until a model is loaded the count is an estimate; the inference
/// engine replaces this service with its model's tokenizer (then <see cref="IsExact"/> is true)
/// and reports the model's context window.
/// </summary>
public interface ITokenCounter
{
    /// <summary>True when the count comes from the model's own tokenizer; false for an estimate.</summary>
    bool IsExact { get; }

    /// <summary>The loaded model's context window in tokens; null uses ChatWeb:Conversations:ContextTokens.</summary>
    int? ContextTokens => null;

    /// <summary>The number of tokens <paramref name="text"/> takes.</summary>
    int Count(string text);
}
