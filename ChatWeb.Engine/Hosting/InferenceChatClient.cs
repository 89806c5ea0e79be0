using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ChatWeb.Engine.Hosting;

/// <summary>
/// The one <see cref="IChatClient"/> an application talks to, whatever the model's state: the loaded
/// model's client once it is ready, the fallback (a demo assistant) when there is no model, and while the
/// model loads a <see cref="ModelLoadingException"/> that says how far it has come.
/// </summary>
internal sealed class InferenceChatClient(ModelHost host, IChatClient fallback) : IChatClient
{
    /// <summary>The client that answers now; throws <see cref="ModelLoadingException"/> while the model loads.</summary>
    private IChatClient Current
    {
        get
        {
            if (host.Loaded is { } loaded)
                return loaded.Client;
            return host.Current.Loading is { } progress ? throw new ModelLoadingException(progress) : fallback;
        }
    }

    public Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Current.GetResponseAsync(messages, options, cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // An iterator, so that "still loading" surfaces where every other failure does: when the stream is read.
        await foreach (var update in Current.GetStreamingResponseAsync(messages, options, cancellationToken))
            yield return update;
    }

    /// <summary>
    /// Answers <see cref="ChatClientMetadata"/> itself (provider "chatweb", the configured model's name), the same
    /// before and after loading: telemetry middleware reads it once, when the pipeline is built.
    /// </summary>
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : serviceKey is null && serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("chatweb", defaultModelId: host.Current.Model)
        : host.Loaded is { } loaded ? loaded.Client.GetService(serviceType, serviceKey)
        : fallback.GetService(serviceType, serviceKey);

    public void Dispose()
    {
        // The clients behind it belong to the model host and the container.
    }
}
