using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using ChatWeb.Engine.Chat;
using ChatWeb.Engine.Scheduling;
using Microsoft.Extensions.AI;

namespace ChatWeb.Engine.Remote;

/// <summary>
/// A model served elsewhere, as an <see cref="IChatClient"/> behind the same front as ChatWeb's own engines:
/// bounded queue (<see cref="ServerBusyException"/> when full), requests sent at once, one generation per owner
/// (<see cref="InferenceChatExtensions.WithOwner"/>), queue places (<see cref="InferenceChatExtensions.GetProgress"/>),
/// timeouts and the <c>ChatWeb.Inference</c> metrics. Cancelling a request aborts its request to the endpoint.
/// A request that fails before its first piece is sent to the model's next endpoint; each endpoint has a circuit
/// breaker and a periodic health probe. When no endpoint can start an answer the stream throws
/// <see cref="RemoteModelUnavailableException"/>, whose message says what each endpoint did.
/// </summary>
/// <remarks>
/// The engine knows no wire protocol: the endpoints' clients (OpenAI-compatible ones, for example) come from the
/// application. Reasoning comes through as the endpoint's client gives it (<see cref="TextReasoningContent"/>, or
/// &lt;think&gt; tags in the text, which the caller splits).
/// </remarks>
public sealed class RemoteChatClient : IChatClient
{
    private readonly RemoteScheduler _scheduler;

    /// <summary>Starts the model's front (a loop thread) and, unless switched off, the endpoints' health probes.</summary>
    public RemoteChatClient(RemoteModelSettings settings, IReadOnlyList<RemoteEndpoint> endpoints, TimeProvider? time = null,
        IMeterFactory? meterFactory = null, ILogger<RemoteChatClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.Count == 0)
            throw new ArgumentException($"The model '{settings.Name}' has no endpoint.", nameof(endpoints));
        Name = settings.Name;
        _scheduler = new RemoteScheduler(settings, endpoints, time, meterFactory, logger);
    }

    /// <summary>The model's name here.</summary>
    public string Name { get; }

    /// <summary>The remote model's context window in tokens (its <c>Limits.ContextLength</c>): what a conversation is trimmed to.</summary>
    public int ContextTokens => _scheduler.ContextLength;

    /// <summary>True when a request sent now would be refused as busy.</summary>
    public bool IsQueueFull(out TimeSpan retryAfter) => _scheduler.IsFull(out retryAfter);

    /// <summary>Its endpoints' health and its front's figures now.</summary>
    public RemoteBackendStatus Status() => new(Name, _scheduler.Endpoints(), _scheduler.Snapshot());

    /// <summary>Probes the endpoints that are due now (the periodic probe does the same).</summary>
    public Task ProbeAsync() => _scheduler.ProbeAllAsync();

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var owner = options.GetOwner() ?? Guid.NewGuid().ToString("n");
        // What the endpoint receives: the caller's settings, its own model id, none of ChatWeb's own keys.
        var sent = options?.Clone() ?? new ChatOptions();
        sent.ModelId = null;
        sent.AdditionalProperties = null;
        var call = _scheduler.Submit(messages.ToList(), sent, owner, cancellationToken);

        await foreach (var update in call.Generation.ReadAllAsync(cancellationToken))
        {
            if (update.Token < 0)
            {
                if (update.Progress.State == GenerationState.Queued)
                    yield return new ChatResponseUpdate { Role = ChatRole.Assistant }.WithProgress(update.Progress);
                continue;
            }
            while (call.Pieces.TryDequeue(out var piece))
                yield return piece;
        }
        cancellationToken.ThrowIfCancellationRequested();
        while (call.Pieces.TryDequeue(out var piece))
            yield return piece;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : serviceKey is null && serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("chatweb-remote", defaultModelId: Name)
        : null;

    /// <summary>Stops the front; requests still queued or running fail with "shutting down".</summary>
    public void Dispose() => _scheduler.Dispose();
}
