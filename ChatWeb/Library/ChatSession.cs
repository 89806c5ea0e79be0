using System.Runtime.CompilerServices;
using System.Text;
using ChatWeb.Chat;
using ChatWeb.Engine.Chat;
using Microsoft.Extensions.AI;

namespace ChatWeb.Library;

/// <summary>
/// A conversation with a model, in-process: it keeps the history, and sends each prompt as the
/// <see cref="TurnBuilder"/> builds it (the system prompts as one system message, then the newest turns
/// that fit the context), streaming the reply as typed steps (<see cref="ChatStepStream"/>).
/// <code>
/// var session = new ChatSession(chatClient);
/// session.SystemPrompts.Add("Answer in one sentence.");
/// await foreach (var step in session.SendAsync("Why is the sky blue?"))
///     if (step is AnswerToken token) Console.Write(token.Text);
/// </code>
/// One reply at a time: a second <see cref="SendAsync"/> while one streams throws.
/// </summary>
public sealed class ChatSession(IChatClient client, TurnBuilder? turns = null)
{
    private readonly TurnBuilder _turns = turns ?? TurnBuilder.Default;
    private readonly List<ChatMessage> _history = [];
    private readonly string _owner = "session-" + Guid.NewGuid().ToString("N"); // when the options name none: the engine keeps this conversation's cache between turns
    private int _busy;

    /// <summary>System prompts, in order, composed into the system message of every request (they never fall out of the history).</summary>
    public List<string> SystemPrompts { get; } = [];

    /// <summary>Generation settings used when <see cref="SendAsync"/> is given none.</summary>
    public ChatOptions? Options { get; set; }

    /// <summary>The clock for timings; tests may pass a fake one.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The user and assistant messages so far (assistant messages hold the answer, not the thinking).</summary>
    public IReadOnlyList<ChatMessage> History => _history;

    /// <summary>How many earlier messages the last request left out to fit the context.</summary>
    public int LeftOut { get; private set; }

    /// <summary>True while a reply is streaming (or a caller has claimed the session with <see cref="TryBeginTurn"/>).</summary>
    public bool IsBusy => Volatile.Read(ref _busy) == 1;

    /// <summary>Claims the session for one reply; false when one is already streaming. End it with <see cref="EndTurn"/>.</summary>
    public bool TryBeginTurn() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    public void EndTurn() => Volatile.Write(ref _busy, 0);

    /// <summary>Forgets the history (system prompts stay).</summary>
    public void Clear()
    {
        if (IsBusy)
            throw new InvalidOperationException("A reply is streaming; wait for it or cancel it before clearing.");
        _history.Clear();
        LeftOut = 0;
    }

    /// <summary>
    /// Sends a prompt and streams the reply. The prompt and the answer join the history when the reply
    /// ends, also when it is cancelled (then with the part streamed so far).
    /// </summary>
    public async IAsyncEnumerable<ChatStep> SendAsync(
        string prompt, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prompt);
        if (!TryBeginTurn())
            throw new InvalidOperationException("This chat session is already streaming a reply.");
        try
        {
            await foreach (var step in SendInTurnAsync(prompt, options, cancellationToken))
                yield return step;
        }
        finally
        {
            EndTurn();
        }
    }

    /// <summary>As <see cref="SendAsync"/>, for a caller that claimed the session with <see cref="TryBeginTurn"/> (and ends it).</summary>
    internal async IAsyncEnumerable<ChatStep> SendInTurnAsync(
        string prompt, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var answer = new StringBuilder();
        try
        {
            var turn = _turns.Build(SystemPrompts, [.. _history, new ChatMessage(ChatRole.User, prompt)]);
            LeftOut = turn.LeftOut;
            var chosen = options ?? Options;
            if (chosen.GetOwner() is null)
                chosen = (chosen?.Clone() ?? new ChatOptions()).WithOwner(_owner);
            await foreach (var step in ChatStepStream.StreamAsync(client, turn.Messages, chosen, Time, cancellationToken))
            {
                if (step is AnswerToken token)
                    answer.Append(token.Text);
                else if (step is AnswerWasThinking)
                    answer.Clear();
                yield return step;
            }
        }
        finally
        {
            _history.Add(new ChatMessage(ChatRole.User, prompt));
            if (answer.Length > 0)
                _history.Add(new ChatMessage(ChatRole.Assistant, answer.ToString()));
        }
    }
}
