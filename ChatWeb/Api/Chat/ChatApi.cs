using ChatWeb.Api.Conversations;
using ChatWeb.Api.Access;
using ChatWeb.Engine.Hosting;
using ChatWeb.Engine.Remote;
using ChatWeb.Engine.Scheduling;
using ChatWeb.Library;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatWeb.Api.Chat;

/// <summary>
/// <c>POST /api/chat</c> streams a reply as server-sent events (thinking and answer tokens, then a
/// final event with usage and timings, then <c>[DONE]</c>); <c>POST /api/chat/sync</c> answers with
/// one JSON object. Both continue a conversation by id. When the client disconnects, the request's
/// abort token cancels the generation.
/// </summary>
internal static class ChatApi
{
    public static RouteGroupBuilder MapChatApi(this RouteGroupBuilder api)
    {
        api.MapPost("/chat", StreamChat).RefuseWhileLoading(ApiErrorShape.ProblemDetails);
        api.MapPost("/chat/sync", Chat).RefuseWhileLoading(ApiErrorShape.ProblemDetails);
        api.MapGet("/presets", (ISystemPresets presets) =>
            TypedResults.Ok(new { presets = presets.List().Select(p => new { p.Name, p.IsDefault }) }));
        return api;
    }

    private static async Task<IResult> StreamChat(HttpContext context, ChatTurns turns, ILoggerFactory logs)
    {
        if (ServerBusyResult.IfQueueFull(context, ApiErrorShape.ProblemDetails) is { } busy)
            return busy;
        var (turn, problem) = await PrepareAsync(context, turns);
        if (turn is null)
            return problem!;

        var response = context.Response;
        var aborted = context.RequestAborted;
        var options = StrictJsonReader.Options;
        ServerSentEvents.Start(response);
        response.Headers["X-Conversation-Id"] = turn.Conversation.Id;
        try
        {
            // Headers go out at once, so the client knows the conversation id before the first token.
            await response.StartAsync(aborted);
            await foreach (var step in turn.Conversation.Session.SendInTurnAsync(turn.Message, turn.Options, aborted))
            {
                object? data = step switch
                {
                    ThinkingToken t => ChatEvents.From(t),
                    AnswerToken a => ChatEvents.From(a),
                    ChatCompleted c => new ChatEvents.DoneEvent(turn.Conversation.Id, c.FinishReason, c.Usage, c.Timings),
                    _ => null, // progress and a recalled answer have no event on this stream
                };
                if (data is not null)
                    await ServerSentEvents.WriteAsync(response, data, options, aborted);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return TypedResults.Empty;
        }
        catch (Exception e)
        {
            ApiLog.ReplyFailed(logs.CreateLogger(typeof(ChatApi)), e, "/api/chat", turn.Conversation.Id);
            await ServerSentEvents.WriteAsync(response, new ChatEvents.ErrorEvent($"The model failed: {e.Message}"), options, aborted);
        }
        finally
        {
            turn.Conversation.EndTurn();
        }
        await ServerSentEvents.WriteDoneAsync(response, aborted);
        return TypedResults.Empty;
    }

    private static async Task<IResult> Chat(HttpContext context, ChatTurns turns, ILoggerFactory logs)
    {
        var (turn, problem) = await PrepareAsync(context, turns);
        if (turn is null)
            return problem!;

        try
        {
            var reply = await ChatReply.CollectAsync(turn.Conversation.Session.SendInTurnAsync(turn.Message, turn.Options, context.RequestAborted));
            var c = reply.Completed;
            return TypedResults.Ok(new ChatEvents.SyncReply(turn.Conversation.Id, reply.Answer, reply.Thinking, c.FinishReason, c.Usage, c.Timings));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return TypedResults.Empty;
        }
        catch (ServerBusyException e)
        {
            return ServerBusyResult.For(context, e, ApiErrorShape.ProblemDetails);
        }
        catch (ModelLoadingException e)
        {
            return ModelLoadingResult.For(context, e, ApiErrorShape.ProblemDetails);
        }
        catch (RemoteModelUnavailableException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "The model cannot be reached.");
        }
        catch (PromptTooLongException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "The message is too long.");
        }
        catch (Exception e)
        {
            ApiLog.ReplyFailed(logs.CreateLogger(typeof(ChatApi)), e, "/api/chat/sync", turn.Conversation.Id);
            return TypedResults.Problem($"The model failed: {e.Message}", statusCode: StatusCodes.Status500InternalServerError,
                title: "The reply failed.");
        }
        finally
        {
            turn.Conversation.EndTurn();
        }
    }

    /// <summary>Reads and checks the request; returns the claimed turn, or the 400/409 problem to answer.</summary>
    private static async Task<(ChatTurns.Turn? Turn, IResult? Problem)> PrepareAsync(HttpContext context, ChatTurns turns)
    {
        var read = await StrictJsonReader.ReadAsync<ChatRequest>(context.Request, StrictJsonReader.Options, rejectUnknownFields: true);
        if (read.Errors is not null)
            return (null, Invalid(read.Errors));

        var errors = new Dictionary<string, string[]>();
        var turn = turns.Prepare(read.Value!, ApiCaller.Of(context).Owner, "", errors, out var busy);
        if (busy)
            return (null, TypedResults.Problem("This conversation is already streaming a reply; wait for it to finish.",
                statusCode: StatusCodes.Status409Conflict, title: "The conversation is busy."));
        return turn is null ? (null, Invalid(errors)) : (turn, null);
    }

    public static ValidationProblem Invalid(Dictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The request is not valid.",
            detail: string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
}
