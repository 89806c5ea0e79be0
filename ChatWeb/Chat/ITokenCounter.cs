namespace ChatWeb.Chat;

/// <summary>
/// Counts the tokens of a text. Until a model is loaded the count is an estimate; the inference
/// engine replaces this service with its model's tokenizer (then <see cref="IsExact"/> is true).
/// </summary>
public interface ITokenCounter
{
    bool IsExact { get; }

    int Count(string text);
}
