using System.Runtime.CompilerServices;
using ChatWeb.Engine.Remote;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Engine.Remote;

/// <summary>A remote server as the engine sees it: answers, refuses (as a closed port does) or hangs, as told; records what it got.</summary>
internal sealed class FakeEndpoint(string address) : IChatClient
{
    public enum Behaviour { Answer, Refuse, Hang, AnswerThenHang }

    public Behaviour Does { get; set; } = Behaviour.Answer;
    public bool ProbeFails { get; set; }
    public ChatResponseUpdate[] Pieces { get; set; } =
    [
        new(ChatRole.Assistant, [new TextReasoningContent("Let me see.")]),
        new(ChatRole.Assistant, "Hello"),
        new(ChatRole.Assistant, " from " + address),
        new() { Role = ChatRole.Assistant, FinishReason = ChatFinishReason.Stop },
    ];

    public int Calls;
    public ChatOptions? LastOptions { get; private set; }
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RemoteEndpoint Endpoint => new(address, this, _ => ProbeFails ? Task.FromException(new HttpRequestException("probe refused")) : Task.CompletedTask);

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Calls);
        LastOptions = options;
        await Task.Yield();
        if (Does == Behaviour.Refuse)
            throw new HttpRequestException("Connection refused", new IOException("Connection refused (" + address + ")"));
        if (Does == Behaviour.AnswerThenHang)
            yield return new ChatResponseUpdate(ChatRole.Assistant, "Starting");
        if (Does is Behaviour.Hang or Behaviour.AnswerThenHang)
        {
            Started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            finally
            {
                if (cancellationToken.IsCancellationRequested)
                    Aborted.TrySetResult();
            }
        }
        foreach (var piece in Pieces)
            yield return piece;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose() { }
}
