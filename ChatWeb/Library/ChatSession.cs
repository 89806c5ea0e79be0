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

    /// <summary>
    /// The most characters the kept history may hold; past it the oldest turns are forgotten for good
    /// (a server's API conversations set it; unlimited by default). Set it above what fits the context and
    /// the model sees no difference.
    /// </summary>
    public int MaxHistoryCharacters { get; init; } = int.MaxValue;

    /// <summary>The characters the history holds now.</summary>
    public int HistoryCharacters => Volatile.Read(ref _historyCharacters);

    /// <summary>How many of the oldest messages were forgotten to keep the history within <see cref="MaxHistoryCharacters"/>.</summary>
    public int Forgotten { get; private set; }

    private int _historyCharacters;

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
        Volatile.Write(ref _historyCharacters, 0);
        LeftOut = 0;
    }

    /// <summary>Puts back a history kept elsewhere (a server's stored API conversation) and its count of forgotten messages.</summary>
    internal void Restore(IEnumerable<ChatMessage> history, int forgotten)
    {
        _history.Clear();
        Volatile.Write(ref _historyCharacters, 0);
        foreach (var message in history)
            Remember(message);
        Forgotten = forgotten;
    }

    /// <summary>
    /// Sends a prompt and streams the reply. The prompt and the answer join the history when the reply
    /// ends, also when it is cancelled (then with the part streamed so far); a prompt refused before its
    /// reply began (a full queue, too long for the model) does not, so trying again does not repeat it.
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
        var began = false;
        try
        {
            var chosen = options ?? Options;
            var turn = _turns.Build(SystemPrompts, [.. _history, new ChatMessage(ChatRole.User, prompt)], chosen?.ModelId);
            LeftOut = turn.LeftOut;
            if (chosen.GetOwner() is null)
                chosen = (chosen?.Clone() ?? new ChatOptions()).WithOwner(_owner);
            await foreach (var step in ChatStepStream.StreamAsync(client, turn.Messages, chosen, Time, cancellationToken))
            {
                began = true;
                if (step is AnswerToken token)
                    answer.Append(token.Text);
                else if (step is AnswerWasThinking)
                    answer.Clear();
                yield return step;
            }
        }
        finally
        {
            if (began)
                Remember(new ChatMessage(ChatRole.User, prompt));
            if (answer.Length > 0)
                Remember(new ChatMessage(ChatRole.Assistant, answer.ToString()));
            ForgetOldest();
        }
    }

    private void Remember(ChatMessage message)
    {
        _history.Add(message);
        Volatile.Write(ref _historyCharacters, _historyCharacters + message.Text.Length);
    }

    /// <summary>Drops the oldest whole turns (a user message and its answer) while the history is over its limit.</summary>
    private void ForgetOldest()
    {
        var characters = _historyCharacters;
        var drop = 0;
        while (characters > MaxHistoryCharacters && drop < _history.Count)
        {
            characters -= _history[drop++].Text.Length;
            while (drop < _history.Count && _history[drop].Role != ChatRole.User)
                characters -= _history[drop++].Text.Length;
        }
        if (drop == 0)
            return;
        _history.RemoveRange(0, drop);
        Forgotten += drop;
        Volatile.Write(ref _historyCharacters, characters);
    }
}
