namespace ChatWeb.Engine.Hosting;

/// <summary>What answers the chat: the backend's name, the model it runs, and why there is none.</summary>
/// <param name="Backend">Short name of the backend in use ("demo" when no model answers, "gguf", ...).</param>
/// <param name="ModelLoaded">True when a real model answers; false while it loads and when there is none.</param>
/// <param name="Model">The model's display name, when one is loaded or loading.</param>
/// <param name="Reason">Why no model is loaded (shown on the page and by /health).</param>
public sealed record InferenceStatus(string Backend, bool ModelLoaded, string? Model, string? Reason)
{
    /// <summary>While the model loads, how far it has come; null once it is ready, and when there is none.</summary>
    public ModelLoadProgress? Loading { get; init; }

    /// <summary>"loading", "ready" or "demo" (as /health says it).</summary>
    public string State => Loading is not null ? "loading" : ModelLoaded ? "ready" : "demo";

    /// <summary>No model answers; the fallback client does, and <paramref name="reason"/> says why.</summary>
    public static InferenceStatus Demo(string reason) => new("demo", false, null, reason);

    /// <summary>The model <paramref name="model"/> is loading.</summary>
    /// <param name="backend">"gguf" (ChatWeb's engine) or "onnx" (ONNX Runtime GenAI).</param>
    public static InferenceStatus LoadingModel(string model, ModelLoadProgress progress, string backend = "gguf") => new(backend, false, model, null) { Loading = progress };

    /// <summary>The model <paramref name="model"/> answers.</summary>
    /// <param name="backend">"gguf" (ChatWeb's engine) or "onnx" (ONNX Runtime GenAI).</param>
    public static InferenceStatus Ready(string model, string backend = "gguf") => new(backend, true, model, null);
}
