using ChatWeb.Library;

namespace ChatWeb.Api.Chat;

/// <summary>
/// Streams one chat turn as server-sent events, for every SSE chat endpoint (<c>/api/chat</c>, and the
/// <c>/chat</c> and <c>/completion</c> of the servers ChatWeb replaces); each says how a step and a failure look
/// on its wire: an object is sent as JSON, a <see cref="TextEvent"/> as plain text. Headers go out at once, so
/// the client sees them before the first token; a failure mid-stream becomes an error event; JSON streams end
/// with <c>[DONE]</c>; a client that disconnects cancels the generation. The turn is released at the end.
/// </summary>
internal static class ChatEventStream
{
    /// <summary>An event of plain text, not JSON, optionally named (<c>event: error</c>).</summary>
    public sealed record TextEvent(string Text, string? Name = null);

    public static async Task WriteAsync(HttpContext context, ChatTurns.Turn turn, Func<ChatStep, object?> eventFor,
        Func<string, object> errorEvent, ILogger logger, bool endWithDone = true)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        ServerSentEvents.Start(response);
        try
        {
            await response.StartAsync(aborted);
            await foreach (var step in turn.Conversation.Session.SendInTurnAsync(turn.Message, turn.Options, aborted))
            {
                if (eventFor(step) is { } data)
                    await WriteEventAsync(response, data, aborted);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            ApiLog.ReplyFailed(logger, e, context.Request.Path.Value ?? "", turn.Conversation.Id);
            await WriteEventAsync(response, errorEvent($"The model failed: {e.Message}"), aborted);
        }
        finally
        {
            turn.Conversation.EndTurn();
        }
        if (endWithDone)
            await ServerSentEvents.WriteDoneAsync(response, aborted);
    }

    private static Task WriteEventAsync(HttpResponse response, object data, CancellationToken cancellationToken) => data is TextEvent text
        ? ServerSentEvents.WriteTextAsync(response, text.Text, text.Name, cancellationToken)
        : ServerSentEvents.WriteAsync(response, data, StrictJsonReader.Options, cancellationToken);
}
