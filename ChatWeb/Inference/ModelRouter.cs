using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ChatWeb.Inference;

/// <summary>
/// The app's chat client under the logging and telemetry middleware: sends each request to the model that
/// <see cref="ChatOptions.ModelId"/> names (<see cref="ModelCatalog"/>): no name or the local model's id → the
/// engine's client; a remote model's name → its <see cref="Engine.Remote.RemoteChatClient"/>; any other name →
/// <see cref="UnknownModelException"/>.
/// </summary>
internal sealed class ModelRouter(IChatClient local, ModelCatalog catalog) : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default) =>
        For(options).GetResponseAsync(messages, options, cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // An iterator, so that an unknown model surfaces where every other failure does: when the stream is read.
        await foreach (var update in For(options).GetStreamingResponseAsync(messages, options, cancellationToken))
            yield return update;
    }

    private IChatClient For(ChatOptions? options)
    {
        var model = options?.ModelId;
        if (!catalog.Knows(model))
            throw new UnknownModelException(catalog.Unknown(model!));
        return catalog.Remote(model) ?? local;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : local.GetService(serviceType, serviceKey);

    public void Dispose()
    {
        // The clients behind it belong to the container.
    }
}

/// <summary>A request named a model this server does not offer; the message lists the ones it does.</summary>
internal sealed class UnknownModelException(string message) : ArgumentException(message);
