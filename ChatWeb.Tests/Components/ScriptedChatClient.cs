using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Components;

/// <summary>
/// An IChatClient whose answers the test writes piece by piece (or fails on purpose). Each
/// <see cref="Complete"/> ends one answer; the n-th request reads the n-th answer, so a test may
/// write an answer before the page's request has started reading it.
/// </summary>
internal sealed class ScriptedChatClient : IChatClient
{
    private readonly List<Channel<string>> _answers = [Channel.CreateUnbounded<string>()];
    private int _answersTaken;

    public List<List<ChatMessage>> Requests { get; } = [];
    public List<ChatOptions?> Options { get; } = [];
    public Exception? FailWith { get; set; }

    public void Write(string piece)
    {
        lock (_answers)
            _answers[^1].Writer.TryWrite(piece);
    }

    public void Complete()
    {
        lock (_answers)
        {
            _answers[^1].Writer.TryComplete();
            _answers.Add(Channel.CreateUnbounded<string>());
        }
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
        ChannelReader<string> reader;
        lock (_answers)
            reader = _answers[_answersTaken++].Reader;
        await foreach (var piece in reader.ReadAllAsync(cancellationToken))
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose() { }
}
