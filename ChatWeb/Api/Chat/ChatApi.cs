using ChatWeb.Api.Conversations;
using ChatWeb.Api.Access;
using ChatWeb.Library;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatWeb.Api.Chat;

/// <summary>
/// <c>POST /api/chat</c> streams a reply as server-sent events (thinking and answer tokens, then a
/// final event with usage and timings, then <c>[DONE]</c>); <c>POST /api/chat/sync</c> answers with
/// one JSON object. Both continue a conversation of the caller's by id. A refusal (queue full, prompt
/// longer than the context, model loading) is a status code on both, before any byte of a stream.
/// When the client disconnects, the request's abort token cancels the generation.
/// </summary>
internal static class ChatApi
{
    /// <summary>The header that lists the caller's older conversations forgotten to make room for a new one.</summary>
    public const string ForgottenHeader = "X-Conversations-Forgotten";

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
        var conversation = turn.Conversation;
        StartedSteps? steps = null;
        Exception? failedAtOnce = null; // a model failure (not a refusal) is reported on the stream, as later ones are
        try
        {
            steps = await StartedSteps.StartAsync(conversation.Session.SendInTurnAsync(turn.Message, turn.Options, aborted), aborted);
        }
        catch (Exception e) when (IsRefusal(context, e) is { } refusal)
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
            Describe(response, turn);
            try
            {
                // Headers go out at once, so the client knows the conversation id before the first token.
                await response.StartAsync(aborted);
                if (failedAtOnce is not null)
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failedAtOnce);
                await foreach (var step in steps!.ReadAllAsync())
                {
                    object? data = step switch
                    {
                        ThinkingToken t => ChatEvents.From(t),
                        AnswerToken a => ChatEvents.From(a),
                        ChatCompleted c => new ChatEvents.DoneEvent(conversation.Id, c.FinishReason, c.Usage, c.Timings,
                            conversation.Session.Forgotten, turn.ForgottenConversations),
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
                ApiLog.ReplyFailed(logs.CreateLogger(typeof(ChatApi)), e, "/api/chat", conversation.Id);
                await ServerSentEvents.WriteAsync(response, new ChatEvents.ErrorEvent($"The model failed: {e.Message}"), options, aborted);
            }
            finally
            {
                conversation.EndTurn();
            }
        }
        await ServerSentEvents.WriteDoneAsync(response, aborted);
        return TypedResults.Empty;
    }

    private static async Task<IResult> Chat(HttpContext context, ChatTurns turns, ILoggerFactory logs)
    {
        var (turn, problem) = await PrepareAsync(context, turns);
        if (turn is null)
            return problem!;

        var conversation = turn.Conversation;
        try
        {
            var reply = await ChatReply.CollectAsync(conversation.Session.SendInTurnAsync(turn.Message, turn.Options, context.RequestAborted));
            var c = reply.Completed;
            Describe(context.Response, turn);
            return TypedResults.Ok(new ChatEvents.SyncReply(conversation.Id, reply.Answer, reply.Thinking, c.FinishReason, c.Usage, c.Timings,
                conversation.Session.Forgotten, turn.ForgottenConversations));
        }
        catch (Exception e)
        {
            return Failed(context, e, logs, "/api/chat/sync", conversation.Id);
        }
        finally
        {
            conversation.EndTurn();
        }
    }

    /// <summary>The conversation's id, and the caller's conversations this one pushed out, as headers.</summary>
    private static void Describe(HttpResponse response, ChatTurns.Turn turn)
    {
        response.Headers["X-Conversation-Id"] = turn.Conversation.Id;
        if (turn.ForgottenConversations.Count > 0)
            response.Headers[ForgottenHeader] = string.Join(",", turn.ForgottenConversations);
    }

    /// <summary>The answer when the reply ended before it began because the client left or the engine refused it (429/503/400); else null.</summary>
    private static IResult? IsRefusal(HttpContext context, Exception e) =>
        e is OperationCanceledException && context.RequestAborted.IsCancellationRequested
            ? TypedResults.Empty
            : ReplyRefusal.For(context, e, ApiErrorShape.ProblemDetails, "message");

    /// <summary>A reply that failed: the client left, the engine refused (429/503/400), or the model failed (500).</summary>
    private static IResult Failed(HttpContext context, Exception e, ILoggerFactory logs, string path, string conversationId)
    {
        if (IsRefusal(context, e) is { } refusal)
            return refusal;
        ApiLog.ReplyFailed(logs.CreateLogger(typeof(ChatApi)), e, path, conversationId);
        return TypedResults.Problem($"The model failed: {e.Message}", statusCode: StatusCodes.Status500InternalServerError,
            title: "The reply failed.");
    }

    /// <summary>Reads and checks the request; returns the claimed turn, or the 400/404/409 problem to answer.</summary>
    private static async Task<(ChatTurns.Turn? Turn, IResult? Problem)> PrepareAsync(HttpContext context, ChatTurns turns)
    {
        var read = await StrictJsonReader.ReadAsync<ChatRequest>(context.Request, StrictJsonReader.Options, rejectUnknownFields: true);
        if (read.Errors is not null)
            return (null, Invalid(read.Errors));

        var errors = new Dictionary<string, string[]>();
        var turn = turns.Prepare(read.Value!, ApiCaller.Of(context).Owner, "", errors, out var refusal);
        return refusal switch
        {
            ChatTurns.Refusal.None => (turn, null),
            ChatTurns.Refusal.Busy => (null, TypedResults.Problem("This conversation is already streaming a reply; wait for it to finish.",
                statusCode: StatusCodes.Status409Conflict, title: "The conversation is busy.")),
            ChatTurns.Refusal.NotFound => (null, TypedResults.Problem(string.Join(" ", errors.Values.SelectMany(v => v)),
                statusCode: StatusCodes.Status404NotFound, title: "No such conversation.",
                extensions: new Dictionary<string, object?> { ["errors"] = errors })),
            _ => (null, Invalid(errors)),
        };
    }

    public static ValidationProblem Invalid(Dictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The request is not valid.",
            detail: string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
}
