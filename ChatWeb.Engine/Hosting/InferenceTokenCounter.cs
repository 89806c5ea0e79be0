using ChatWeb.Engine.Chat;

namespace ChatWeb.Engine.Hosting;

/// <summary>Counts with the loaded model's tokenizer (and reports its context window) once it is ready; the fallback's estimate until then, and when there is no model.</summary>
internal sealed class InferenceTokenCounter(ModelHost host, ITokenCounter fallback) : ITokenCounter
{
    private ITokenCounter Current => host.Loaded?.Tokens ?? fallback;

    public bool IsExact => Current.IsExact;

    public int? ContextTokens => Current.ContextTokens;

    public int Count(string text) => Current.Count(text);
}
