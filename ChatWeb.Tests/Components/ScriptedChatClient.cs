using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Components;

/// <summary>An IChatClient whose answer the test writes piece by piece (or fails on purpose).</summary>
internal sealed class ScriptedChatClient : IChatClient
{
    private Channel<string> _pieces = Channel.CreateUnbounded<string>();

    public List<List<ChatMessage>> Requests { get; } = [];
    public List<ChatOptions?> Options { get; } = [];
    public Exception? FailWith { get; set; }

    public void Write(string piece) => _pieces.Writer.TryWrite(piece);

    public void Complete()
    {
        _pieces.Writer.TryComplete();
        _pieces = Channel.CreateUnbounded<string>();
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Requests.Add(messages.ToList());
        Options.Add(options);
        if (FailWith is not null)
            throw FailWith;
        var reader = _pieces.Reader;
        await foreach (var piece in reader.ReadAllAsync(cancellationToken))
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose() { }
}
