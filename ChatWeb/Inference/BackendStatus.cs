namespace ChatWeb.Inference;

/// <summary>What answers the chat: the backend's name, the model it runs, and why there is none.</summary>
/// <param name="Backend">Short name of the IChatClient in use ("demo", "gguf", ...).</param>
/// <param name="ModelLoaded">True when a real model answers; false while it loads and in demo mode.</param>
/// <param name="Model">The model's display name, when one is loaded or loading.</param>
/// <param name="Reason">Why no model is loaded (shown on the page and by /health).</param>
public sealed record BackendStatus(string Backend, bool ModelLoaded, string? Model, string? Reason)
{
    /// <summary>While the model loads, how far it has come; null once it is ready, and in demo mode.</summary>
    public ModelLoadProgress? Loading { get; init; }

    /// <summary>"loading", "ready" or "demo" (as /health says it).</summary>
    public string State => Loading is not null ? "loading" : ModelLoaded ? "ready" : "demo";

    public static BackendStatus Demo(string reason) => new("demo", false, null, reason);

    public static BackendStatus LoadingModel(string model, ModelLoadProgress progress) => new("gguf", false, model, null) { Loading = progress };

    public static BackendStatus Ready(string model) => new("gguf", true, model, null);
}
