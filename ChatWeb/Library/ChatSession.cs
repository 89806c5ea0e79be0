using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;

namespace ChatWeb.Library;

/// <summary>
/// A conversation with a model, in-process: it keeps the history, adds system prompts, and streams
/// each reply as typed steps.
/// <code>
/// var session = new ChatSession(chatClient) { MaxHistoryMessages = 20 };
/// session.SystemPrompts.Add("Answer in one sentence.");
/// await foreach (var step in session.SendAsync("Why is the sky blue?"))
///     if (step is AnswerToken token) Console.Write(token.Text);
/// </code>
/// One reply at a time: a second <see cref="SendAsync"/> while one streams throws.
/// </summary>
public sealed class ChatSession(IChatClient client)
{
    private readonly List<ChatMessage> _history = [];
    private int _busy;

    /// <summary>System prompts sent first, in order, with every request (they never fall out of the history).</summary>
    public List<string> SystemPrompts { get; } = [];

    /// <summary>At most this many earlier user and assistant messages are sent; null sends all of them.</summary>
    public int? MaxHistoryMessages
    {
        get;
        set
        {
            if (value is { } v)
                ArgumentOutOfRangeException.ThrowIfNegative(v);
            field = value;
        }
    }

    /// <summary>
    /// Fits the conversation into the model's context before each request: it gets the system prompts
    /// and the kept history ending with the new prompt, and returns the messages to send after the
    /// system prompts. Null sends them all (after <see cref="MaxHistoryMessages"/>).
    /// </summary>
    public Func<IReadOnlyList<string>, IReadOnlyList<ChatMessage>, IReadOnlyList<ChatMessage>>? TrimHistory { get; init; }

    /// <summary>Generation settings used when <see cref="SendAsync"/> is given none.</summary>
    public ChatOptions? Options { get; set; }

    /// <summary>The clock for timings; tests may pass a fake one.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The user and assistant messages so far (assistant messages hold the answer, not the thinking).</summary>
    public IReadOnlyList<ChatMessage> History => _history;

    /// <summary>True while a reply is streaming.</summary>
    public bool IsBusy => Volatile.Read(ref _busy) == 1;

    /// <summary>Forgets the history (system prompts stay).</summary>
    public void Clear()
    {
        if (IsBusy)
            throw new InvalidOperationException("A reply is streaming; wait for it or cancel it before clearing.");
        _history.Clear();
    }

    /// <summary>
    /// Sends a prompt and streams the reply. The prompt and the answer join the history when the reply
    /// ends, also when it is cancelled (then with the part streamed so far).
    /// </summary>
    public async IAsyncEnumerable<ChatStep> SendAsync(
        string prompt, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prompt);
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
            throw new InvalidOperationException("This chat session is already streaming a reply.");

        var answer = new StringBuilder();
        try
        {
            var messages = BuildRequest(prompt);
            await foreach (var step in ChatStepStream.StreamAsync(client, messages, options ?? Options, Time, cancellationToken))
            {
                if (step is AnswerToken token)
                    answer.Append(token.Text);
                yield return step;
            }
        }
        finally
        {
            _history.Add(new ChatMessage(ChatRole.User, prompt));
            if (answer.Length > 0)
                _history.Add(new ChatMessage(ChatRole.Assistant, answer.ToString()));
            Volatile.Write(ref _busy, 0);
        }
    }

    private List<ChatMessage> BuildRequest(string prompt)
    {
        var messages = SystemPrompts.Select(p => new ChatMessage(ChatRole.System, p)).ToList();
        var keep = Math.Min(MaxHistoryMessages ?? _history.Count, _history.Count);
        var recent = _history.Skip(_history.Count - keep);
        // Never start the kept history with an assistant message cut from its question.
        List<ChatMessage> conversation = [.. recent.SkipWhile(m => m.Role == ChatRole.Assistant), new ChatMessage(ChatRole.User, prompt)];
        messages.AddRange(TrimHistory is null ? conversation : TrimHistory(SystemPrompts, conversation));
        return messages;
    }
}
