using ChatWeb.Engine.Chat;
using ChatWeb.Engine.Tokenization;

namespace ChatWeb.Engine.Local;

/// <summary>Exact token counts from the loaded model's tokenizer, and the context window the scheduler serves.</summary>
internal sealed class ModelTokenCounter(Tokenizer tokenizer, int contextTokens) : ITokenCounter
{
    public bool IsExact => true;

    public int? ContextTokens => contextTokens;

    public int Count(string text) => tokenizer.Encode(text).Count;
}
