using ChatWeb.Engine.Chat;
using ChatWeb.Engine.Scheduling;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Api;

/// <summary>
/// An IChatClient that records what it was asked and streams <see cref="Reply"/> piece by piece, or,
/// with <see cref="Hang"/> (or for a prompt containing "forever"), streams one piece and then waits
/// until its request is cancelled. For a prompt containing "break down" it fails after the first piece.
/// </summary>
internal sealed class RecordingChatClient : IChatClient
{
    private readonly Lock _lock = new();

    public string[] Reply { get; set; } = ["<think>", "Let me see.", "</think>", "\n\n", "Fine", " answer."];
    public bool Hang { get; set; }

    /// <summary>First says the request waits in the queue (as the engine's scheduler does), then answers.</summary>
    public bool ReportsProgress { get; set; }

    public List<(List<ChatMessage> Messages, ChatOptions? Options)> Requests { get; } = [];
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        lock (_lock)
            Requests.Add((messages.ToList(), options));
        if (ReportsProgress)
            yield return new ChatResponseUpdate().WithProgress(new GenerationProgress(GenerationState.Queued, 2, null, 0, 10, 0, 0));
        if (Hang || messages.Last().Text.Contains("forever", StringComparison.Ordinal))
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, "Starting");
            Started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            finally
            {
                if (cancellationToken.IsCancellationRequested)
                    Cancelled.TrySetResult();
            }
        }
        foreach (var piece in Reply)
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece);
            if (messages.Last().Text.Contains("break down", StringComparison.Ordinal))
                throw new InvalidOperationException("The engine broke down.");
        }
        yield return new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            FinishReason = ChatFinishReason.Stop,
            Contents = [new UsageContent(new UsageDetails { InputTokenCount = 7, OutputTokenCount = Reply.Length })],
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose() { }
}
