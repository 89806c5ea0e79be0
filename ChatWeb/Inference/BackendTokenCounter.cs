using ChatWeb.Chat;

namespace ChatWeb.Inference;

/// <summary>Counts with the loaded model's tokenizer (and reports its context window) once it is ready; estimates until then, and in demo mode.</summary>
internal sealed class BackendTokenCounter(ModelHost host) : ITokenCounter
{
    private static readonly EstimatedTokenCounter Estimate = new();

    private ITokenCounter Current => host.Loaded?.Tokens ?? (ITokenCounter)Estimate;

    public bool IsExact => Current.IsExact;

    public int? ContextTokens => Current.ContextTokens;

    public int Count(string text) => Current.Count(text);
}
