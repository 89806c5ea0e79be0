using ChatWeb.Chat;
using ChatWeb.Engine.Hosting;
using ChatWeb.Engine.Remote;
using ChatWeb.Inference.Remote;

namespace ChatWeb.Inference;

/// <summary>
/// The models this server offers, by the names people and clients pick them by: the local one (the loaded model's
/// name, or "demo"; see <see cref="LocalIdOf"/>) first, then the remote ones of <c>ChatWeb:Backends</c>. The one
/// place that says whether a model name exists; the page's picker, /api/chat, /v1 and the router ask it.
/// </summary>
internal sealed class ModelCatalog(IInferenceStatus local, RemoteBackends remotes) : IModelCatalog
{
    /// <summary>The local model's id: the model's name, or the backend's ("demo") when none is loaded.</summary>
    public static string LocalIdOf(InferenceStatus status) => status.Model ?? status.Backend;

    public string LocalId => LocalIdOf(local.Current);

    /// <summary>Every model's id, the local one first.</summary>
    public IReadOnlyList<string> Ids => [LocalId, .. remotes.All.Select(r => r.Name)];

    /// <summary>True for no name (the local model), the local model's id and every remote model's name.</summary>
    public bool Knows(string? model) => string.IsNullOrEmpty(model) || model == LocalId || remotes.Find(model) is not null;

    /// <summary>The remote model of that name; null for the local model (and for no name).</summary>
    public RemoteChatClient? Remote(string? model) => string.IsNullOrEmpty(model) || model == LocalId ? null : remotes.Find(model);

    /// <summary>A remote model's context window; null for the local model (its token counter says).</summary>
    public int? ContextTokensOf(string? model) => Remote(model)?.ContextTokens;

    /// <summary>How far the local model has loaded while a request for it (any name but a remote model's) must wait; null when it can go.</summary>
    public ModelLoadProgress? LoadingOf(string? model) => IsRemote(model) ? null : local.Current.Loading;

    /// <summary>True for a remote model's name.</summary>
    public bool IsRemote(string? model) => RemoteNamed(model) is not null;

    /// <summary>True when a request for <paramref name="model"/> sent now would be refused as busy by that model's queue.</summary>
    public bool IsQueueFull(string? model, out TimeSpan retryAfter) =>
        RemoteNamed(model) is { } remote ? remote.IsQueueFull(out retryAfter) : local.IsQueueFull(out retryAfter);

    // By name only: while the local model loads its id is not known for sure, so every other name waits for it.
    private RemoteChatClient? RemoteNamed(string? model) => string.IsNullOrEmpty(model) ? null : remotes.Find(model);

    /// <summary>What to tell a caller who named a model this server does not offer.</summary>
    public string Unknown(string model) => $"The model '{model}' does not exist; this server offers {string.Join(", ", Ids.Select(id => $"'{id}'"))}.";

    /// <summary>The remote models' health, queue and throughput now.</summary>
    public IReadOnlyList<RemoteBackendStatus> RemoteStatus() => remotes.All.Select(r => r.Status()).ToArray();
}
