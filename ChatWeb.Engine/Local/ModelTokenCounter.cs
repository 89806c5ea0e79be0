using ChatWeb.Engine.Chat;

namespace ChatWeb.Engine.Local;

/// <summary>Exact token counts from the loaded model's tokenizer, and the context window the scheduler serves.</summary>
internal sealed class ModelTokenCounter(LocalModel model, int contextTokens) : ITokenCounter
{
    public bool IsExact => true;

    public int? ContextTokens => contextTokens;

    public int Count(string text) => model.Tokenizer.Encode(text).Count;
}
