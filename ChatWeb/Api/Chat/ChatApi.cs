using ChatWeb.Api.Conversations;
using ChatWeb.Api.Access;
using ChatWeb.Engine.Remote;
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
        api.MapPost("/chat", StreamChat);
        api.MapPost("/chat/sync", Chat);
        api.MapGet("/presets", (ISystemPresets presets) =>
            TypedResults.Ok(new { presets = presets.List().Select(p => new { p.Name, p.IsDefault }) }));
        return api;
    }

    private static async Task<IResult> StreamChat(HttpContext context, ChatTurns turns, ILoggerFactory logs)
    {
        var (turn, problem) = await PrepareAsync(context, turns);
        if (turn is null)
            return problem!;

        var conversation = turn.Conversation;
        return await ChatEventStream.WriteAsync(context, turn, step => step switch
        {
            ThinkingToken t => ChatEvents.From(t),
            AnswerToken a => ChatEvents.From(a),
            ChatCompleted c => new ChatEvents.DoneEvent(conversation.Id, c.FinishReason, c.Usage, c.Timings,
                conversation.Session.Forgotten, turn.ForgottenConversations),
            _ => null, // progress and a recalled answer have no event on this stream
        }, error => new ChatEvents.ErrorEvent(error), logs.CreateLogger(typeof(ChatApi)), "message", response => Describe(response, turn));
    }

    private static async Task<IResult> Chat(HttpContext context, ChatTurns turns, ILoggerFactory logs)
    {
        var (turn, problem) = await PrepareAsync(context, turns);
        if (turn is null)
            return problem!;

        var conversation = turn.Conversation;
        return await ReplyAsync(context, turn, reply =>
        {
            var c = reply.Completed;
            Describe(context.Response, turn);
            return new ChatEvents.SyncReply(conversation.Id, reply.Answer, reply.Thinking, c.FinishReason, c.Usage, c.Timings,
                conversation.Session.Forgotten, turn.ForgottenConversations);
        }, logs.CreateLogger(typeof(ChatApi)), "message");
    }

    /// <summary>
    /// Runs a turn to the end and answers 200 with <paramref name="body"/>'s shape of the reply, or the status that
    /// says why not: the engine's refusals (429/503/400 on <paramref name="promptField"/>) or 500 when the model fails.
    /// The turn is released at the end.
    /// </summary>
    public static async Task<IResult> ReplyAsync(HttpContext context, ChatTurns.Turn turn, Func<ChatReply, object> body, ILogger logger,
        string promptField)
    {
        try
        {
            return TypedResults.Ok(body(await ChatReply.CollectAsync(
                turn.Conversation.Session.SendInTurnAsync(turn.Message, turn.Options, context.RequestAborted))));
        }
        catch (Exception e)
        {
            if (IsRefusal(context, e, promptField) is { } refusal)
                return refusal;
            if (e is RemoteModelUnavailableException down)
                return TypedResults.Problem(down.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "The model cannot be reached.");
            ApiLog.ReplyFailed(logger, e, context.Request.Path.Value ?? "", turn.Conversation.Id);
            return TypedResults.Problem($"The model failed: {e.Message}", statusCode: StatusCodes.Status500InternalServerError,
                title: "The reply failed.");
        }
        finally
        {
            turn.Conversation.EndTurn();
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
    public static IResult? IsRefusal(HttpContext context, Exception e, string promptField) =>
        e is OperationCanceledException && context.RequestAborted.IsCancellationRequested
            ? TypedResults.Empty
            : ReplyRefusal.For(context, e, ApiErrorShape.ProblemDetails, promptField);

    /// <summary>
    /// Reads and checks the request; returns the claimed turn, or the problem to answer: 503 while the chosen model
    /// loads, 429 when its queue is full, 400/404/409 for the request itself.
    /// </summary>
    private static async Task<(ChatTurns.Turn? Turn, IResult? Problem)> PrepareAsync(HttpContext context, ChatTurns turns)
    {
        var read = await StrictJsonReader.ReadAsync<ChatRequest>(context.Request, StrictJsonReader.Options, rejectUnknownFields: true);
        var model = read.Value?.Model ?? read.Value?.Settings?.Model;
        if ((ModelLoadingResult.IfLoading(context, ApiErrorShape.ProblemDetails, model)
             ?? ServerBusyResult.IfQueueFull(context, ApiErrorShape.ProblemDetails, model)) is { } refused)
            return (null, refused);
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
