using ChatWeb.Library;

namespace ChatWeb.Api.Chat;

/// <summary>
/// Streams one chat turn as server-sent events, for every SSE chat endpoint (<c>/api/chat</c>, and the
/// <c>/chat</c> and <c>/completion</c> of the servers ChatWeb replaces); each says how a step and a failure look
/// on its wire: an object is sent as JSON, a <see cref="TextEvent"/> as plain text. A refusal at submission
/// (queue full, prompt longer than the context, model loading) is answered with its status code before any byte
/// (<see cref="StartedSteps"/>); then headers go out at once, a failure mid-stream becomes an error event, JSON
/// streams end with <c>[DONE]</c>, and a client that disconnects cancels the generation. The turn is released at the end.
/// </summary>
internal static class ChatEventStream
{
    /// <summary>An event of plain text, not JSON, optionally named (<c>event: error</c>).</summary>
    public sealed record TextEvent(string Text, string? Name = null);

    public static async Task<IResult> WriteAsync(HttpContext context, ChatTurns.Turn turn, Func<ChatStep, object?> eventFor,
        Func<string, object> errorEvent, ILogger logger, string promptField, Action<HttpResponse>? describe = null, bool endWithDone = true)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        var conversation = turn.Conversation;
        StartedSteps? steps = null;
        Exception? failedAtOnce = null; // a model failure (not a refusal) is reported on the stream, as later ones are
        try
        {
            steps = await StartedSteps.StartAsync(conversation.Session.SendInTurnAsync(turn.Message, turn.Options, aborted), aborted);
        }
        catch (Exception e) when (ChatApi.IsRefusal(context, e, promptField) is { } refusal)
        {
            conversation.EndTurn();
            return refusal;
        }
        catch (Exception e)
        {
            failedAtOnce = e;
        }

        await using (steps)
        {
            ServerSentEvents.Start(response);
            describe?.Invoke(response);
            try
            {
                // Headers go out at once, so the client sees them before the first token.
                await response.StartAsync(aborted);
                if (failedAtOnce is not null)
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failedAtOnce);
                await foreach (var step in steps!.ReadAllAsync())
                {
                    if (eventFor(step) is { } data)
                        await WriteEventAsync(response, data, aborted);
                }
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
                return TypedResults.Empty;
            }
            catch (Exception e)
            {
                ApiLog.ReplyFailed(logger, e, context.Request.Path.Value ?? "", conversation.Id);
                await WriteEventAsync(response, errorEvent($"The model failed: {e.Message}"), aborted);
            }
            finally
            {
                conversation.EndTurn();
            }
        }
        if (endWithDone)
            await ServerSentEvents.WriteDoneAsync(response, aborted);
        return TypedResults.Empty;
    }

    private static Task WriteEventAsync(HttpResponse response, object data, CancellationToken cancellationToken) => data is TextEvent text
        ? ServerSentEvents.WriteTextAsync(response, text.Text, text.Name, cancellationToken)
        : ServerSentEvents.WriteAsync(response, data, StrictJsonReader.Options, cancellationToken);
}
