namespace ChatWeb.Inference;

/// <summary>What answers the chat: the backend's name, the model it runs, and why there is none.</summary>
/// <param name="Backend">Short name of the IChatClient in use ("demo", "gguf", ...).</param>
/// <param name="ModelLoaded">True when a real model answers; false in demo mode.</param>
/// <param name="Model">The model's display name, when one is loaded.</param>
/// <param name="Reason">Why no model is loaded (shown on the page and by /health).</param>
public sealed record BackendStatus(string Backend, bool ModelLoaded, string? Model, string? Reason)
{
    public static BackendStatus Demo(string reason) => new("demo", false, null, reason);
}
