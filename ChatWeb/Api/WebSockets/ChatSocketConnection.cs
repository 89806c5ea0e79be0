using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using ChatWeb.Api.Access;
using ChatWeb.Api.Chat;
using ChatWeb.Engine.Hosting;
using ChatWeb.Engine.Scheduling;
using ChatWeb.Library;
using static ChatWeb.Api.WebSockets.SocketMessages;

namespace ChatWeb.Api.WebSockets;

/// <summary>
/// One client's WebSocket on <c>/ws/chat</c>. It reads requests, runs each conversation's reply as its
/// own task (several at once, keyed by the client's id), and sends their tokens and events as they
/// come. A send lock keeps one frame on the wire at a time. Closing the socket cancels every reply.
/// Its replies run for the caller's owner (the API key's name, else the client address), and every message
/// counts against the caller's rate limit as an HTTP request does. The socket remembers at most
/// <c>MaxConversationsPerSocket</c> client ids (<see cref="SocketConversations"/>).
/// </summary>
internal sealed class ChatSocketConnection(WebSocket socket, ChatTurns turns, ApiCaller caller, ApiRateLimiter limiter,
    int maxConversations, ILogger logger)
{
    public const int MaxMessageBytes = 1 << 20;
    public const int MaxConcurrentReplies = 8;

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new();
    private readonly SocketConversations _conversationIds = new(maxConversations);
    private readonly List<Task> _replies = [];

    public async Task RunAsync(CancellationToken aborted)
    {
        try
        {
            while (await ReceiveAsync(aborted) is { } message)
                await HandleAsync(message, aborted);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
        finally
        {
            foreach (var reply in _running.Values)
                await TryCancelAsync(reply);
            Task[] replies;
            lock (_replies)
                replies = [.. _replies];
            await Task.WhenAll(replies);
        }
        if (socket.State is WebSocketState.CloseReceived or WebSocketState.Open)
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
    }

    /// <summary>The next message's bytes, or null when the client closes.</summary>
    private async Task<byte[]?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.GetMemory(4096), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
                return null;
            buffer.Advance(result.Count);
            if (buffer.WrittenCount > MaxMessageBytes)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, $"Messages are limited to {MaxMessageBytes} bytes.", cancellationToken);
                return null;
            }
            if (result.EndOfMessage)
                return buffer.WrittenSpan.ToArray();
        }
    }

    /// <summary>Answers one message; a message that cannot be answered gets an error message, and the socket stays open.</summary>
    private async Task HandleAsync(byte[] message, CancellationToken aborted)
    {
        try
        {
            // Every message counts, the broken ones too.
            if (await limiter.AcquireAsync(caller, aborted) is { } retryAfter)
                await SendAsync(new ErrorMessage(null, ApiRateLimiter.Refusal(retryAfter)) { RetryAfter = retryAfter }, aborted);
            else
                await HandleMessageAsync(StrictUtf8.GetString(message), aborted);
        }
        catch (System.Text.DecoderFallbackException)
        {
            await SendAsync(new ErrorMessage(null, "The message is not valid UTF-8 text."), aborted);
        }
        catch (Exception e) when (e is not (OperationCanceledException or WebSocketException))
        {
            ApiLog.ReplyFailed(logger, e, "/ws/chat", "message");
            await SendAsync(new ErrorMessage(null, "The message could not be handled."), aborted);
        }
    }

    private async Task HandleMessageAsync(string json, CancellationToken aborted)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            await SendAsync(new ErrorMessage(null, $"The message is not valid JSON: {e.Message}"), aborted);
            return;
        }

        using (document)
        {
            var read = StrictJsonReader.Read<SocketRequest>(document.RootElement, StrictJsonReader.Options, rejectUnknownFields: true);
            var request = read.Value;
            if (read.Errors is not null || request is null)
            {
                await SendAsync(new ErrorMessage(TryGetId(document.RootElement), "The message is not valid.", read.Errors), aborted);
                return;
            }
            if (request.IsEarlierForm)
            {
                await StartAsync(request, aborted);
                return;
            }
            if (string.IsNullOrEmpty(request.Id))
            {
                await SendAsync(new ErrorMessage(null, "Every message needs an \"id\": the client's name for the conversation.",
                    new() { ["id"] = ["Required."] }), aborted);
                return;
            }

            // One case per message form; a new form is one more case (and its own request check).
            switch (request.Type)
            {
                case "chat": await StartAsync(request, aborted); break;
                case "cancel": await CancelAsync(request.Id, aborted); break;
                default:
                    await SendAsync(new ErrorMessage(request.Id, $"Unknown message type '{request.Type}'; use \"chat\" or \"cancel\" (or send {{\"id\", \"prompt\"}} without a type).",
                        new() { ["type"] = ["Must be \"chat\" or \"cancel\"."] }), aborted);
                    break;
            }
        }
    }

    private async Task StartAsync(SocketRequest request, CancellationToken aborted)
    {
        // The earlier form starts a conversation with a message without an id; the replies carry the new id.
        var id = string.IsNullOrEmpty(request.Id) ? Guid.NewGuid().ToString("n") : request.Id;
        if (_running.ContainsKey(id))
        {
            await SendAsync(new ErrorMessage(id, $"Conversation '{id}' is already streaming a reply; wait for it or cancel it."), aborted);
            return;
        }

        if (_running.Count >= MaxConcurrentReplies)
        {
            await SendAsync(new ErrorMessage(id, $"At most {MaxConcurrentReplies} replies stream at once on one socket; wait for one or cancel one."), aborted);
            return;
        }

        var errors = new Dictionary<string, string[]>();
        var known = request.ConversationId is null ? _conversationIds.Find(id) : null;
        var turn = turns.Prepare(request.ToChatRequest(known), caller.Owner, "", errors, out var refusal);
        var lost = known is not null && refusal == ChatTurns.Refusal.NotFound;
        if (lost)
        {
            // The server forgot the conversation this id continued (its limits): the id starts afresh, and "started" says so.
            errors.Clear();
            _conversationIds.Forget(id);
            turn = turns.Prepare(request.ToChatRequest(null), caller.Owner, "", errors, out refusal);
        }
        if (turn is null)
        {
            var message = refusal switch
            {
                ChatTurns.Refusal.Busy => "That conversation is already streaming a reply elsewhere.",
                ChatTurns.Refusal.NotFound => "No such conversation.",
                _ => "The chat request is not valid.",
            };
            if (refusal == ChatTurns.Refusal.NotFound)
                _conversationIds.Forget(id);
            await SendAsync(new ErrorMessage(id, message, errors.Count > 0 ? errors : null), aborted);
            return;
        }

        var forgotten = _conversationIds.Remember(id, turn.Conversation.Id, turn.ForgottenConversations, streaming: _running.Keys);
        if (lost)
            forgotten = [id, .. forgotten];
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        _running[id] = cancel;
        lock (_replies)
        {
            _replies.RemoveAll(r => r.IsCompleted);
            _replies.Add(RunReplyAsync(id, turn, request.IsEarlierForm, forgotten, cancel));
        }
    }

    private async Task RunReplyAsync(string id, ChatTurns.Turn turn, bool earlierForm, IReadOnlyList<string> forgottenIds, CancellationTokenSource cancel)
    {
        var token = cancel.Token;
        var ended = false;
        try
        {
            await SendAsync(new EventMessage(id, "started", turn.Conversation.Id) { ForgottenIds = forgottenIds }, token);
            var thinking = false;
            ChatCompleted? done = null;
            await foreach (var step in turn.Conversation.Session.SendInTurnAsync(turn.Message, turn.Options, token))
            {
                switch (step)
                {
                    case ThinkingToken t:
                        if (!thinking)
                            await SendAsync(new EventMessage(id, "thinking", turn.Conversation.Id), token);
                        thinking = true;
                        if (!earlierForm) // its clients print every message: they get the answer only
                            await SendAsync(new TokenMessage(id, t.Text, "thinking"), token);
                        break;
                    case AnswerToken a when earlierForm:
                        await SendAsync(new TextMessage(id, a.Text), token);
                        break;
                    case AnswerToken a:
                        await SendAsync(new TokenMessage(id, a.Text, "answer"), token);
                        break;
                    case ChatCompleted completed:
                        done = completed;
                        break;
                }
            }
            // "done" goes out once the turn has ended (its conversation stored), so the client's next message finds it free.
            EndTurn();
            if (done is not null)
                await SendAsync(new EventMessage(id, "done", turn.Conversation.Id, done.FinishReason, done.Usage, done.Timings)
                    { ForgottenMessages = turn.Conversation.Session.Forgotten }, token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            await TrySendAsync(new EventMessage(id, "cancelled", turn.Conversation.Id));
        }
        catch (ModelLoadingException e)
        {
            await TrySendAsync(new ErrorMessage(id, e.Message) { RetryAfter = e.RetryAfterSeconds }); // not a failure: the client tries again in a moment
        }
        catch (ServerBusyException e)
        {
            await TrySendAsync(new ErrorMessage(id, e.Message) { RetryAfter = e.RetryAfterSeconds });
        }
        catch (PromptTooLongException e)
        {
            await TrySendAsync(new ErrorMessage(id, e.Message, new() { ["message"] = [e.Message] }));
        }
        catch (Exception e)
        {
            ApiLog.ReplyFailed(logger, e, "/ws/chat", turn.Conversation.Id);
            await TrySendAsync(new ErrorMessage(id, $"The model failed: {e.Message}"));
        }
        finally
        {
            EndTurn();
            cancel.Dispose();
        }

        void EndTurn()
        {
            if (ended)
                return;
            ended = true;
            turn.Conversation.EndTurn();
            _running.TryRemove(id, out _);
        }
    }

    private async Task CancelAsync(string id, CancellationToken aborted)
    {
        if (_running.TryGetValue(id, out var cancel))
            await TryCancelAsync(cancel);
        else
            await SendAsync(new ErrorMessage(id, $"Conversation '{id}' has no reply streaming, so there is nothing to cancel."), aborted);
    }

    /// <summary>Cancels a reply; one that has just finished (its source disposed) needs nothing.</summary>
    private static async Task TryCancelAsync(CancellationTokenSource reply)
    {
        try
        {
            await reply.CancelAsync();
        }
        catch (ObjectDisposedException) { }
    }

    private async Task SendAsync<T>(T message, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message, StrictJsonReader.Options);
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends a last word about a reply; a socket that is already gone is not an error.</summary>
    private async Task TrySendAsync<T>(T message)
    {
        try
        {
            if (socket.State == WebSocketState.Open)
                await SendAsync(message, CancellationToken.None);
        }
        catch (WebSocketException) { }
    }

    /// <summary>The message's id when it is a readable string (not one with broken Unicode), else null.</summary>
    private static string? TryGetId(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out var id) && StrictJsonReader.TryGetText(id, out var text)
            ? text
            : null;
}
