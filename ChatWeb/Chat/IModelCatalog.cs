namespace ChatWeb.Chat;

/// <summary>What the conversation pipeline asks about the model a request names (the local one, or a remote one of <c>ChatWeb:Backends</c>).</summary>
public interface IModelCatalog
{
    /// <summary>The context window of <paramref name="model"/> in tokens; null for the local model (its token counter says) or an unknown name.</summary>
    int? ContextTokensOf(string? model);

    /// <summary>True when <paramref name="model"/> names a remote model: it does not wait for the local model to load.</summary>
    bool IsRemote(string? model);
}
