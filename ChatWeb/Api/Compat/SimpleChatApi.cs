using ChatWeb.Api.Access;
using ChatWeb.Api.Chat;
using ChatWeb.Chat;
using ChatWeb.Library;

namespace ChatWeb.Api.Compat;

/// <summary>
/// The protocol of the simple chat server ChatWeb replaces, unchanged, so its clients keep working:
/// <c>POST /chat</c> with <c>{"prompt": "hello", "thinking": false}</c> streams <c>data: {"token": "…"}</c>
/// events then <c>data: [DONE]</c>; <c>POST /chat/sync</c> answers <c>{"response": "…"}</c>. Each request is
/// one exchange (no conversation), on the same service as <c>/api/chat</c>: queue, limits, keys, the default preset.
/// </summary>
internal static class SimpleChatApi
{
    public static RouteGroupBuilder MapSimpleChatApi(this RouteGroupBuilder group)
    {
        group.MapPost("/chat", StreamChat).RefuseWhileLoading(ApiErrorShape.ProblemDetails);
        group.MapPost("/chat/sync", Chat).RefuseWhileLoading(ApiErrorShape.ProblemDetails);
        return group;
    }

    private static async Task<IResult> StreamChat(HttpContext context, ChatTurns turns, ILoggerFactory logs)
    {
        if (ServerBusyResult.IfQueueFull(context, ApiErrorShape.ProblemDetails) is { } busy)
            return busy;
        var (turn, thinking, problem) = await PrepareAsync(context, turns);
        if (turn is null)
            return problem!;

        return await ChatEventStream.WriteAsync(context, turn, step => step switch
        {
            ThinkingToken t when thinking => new SimpleChatEvents.TokenEvent(t.Text, Thinking: true),
            AnswerToken a => new SimpleChatEvents.TokenEvent(a.Text),
            _ => null, // the end is [DONE]; a strict client wants nothing without a token
        }, error => new SimpleChatEvents.TokenEvent("", Error: error), logs.CreateLogger(typeof(SimpleChatApi)), "prompt");
    }

    private static async Task<IResult> Chat(HttpContext context, ChatTurns turns, ILoggerFactory logs)
    {
        var (turn, thinking, problem) = await PrepareAsync(context, turns);
        if (turn is null)
            return problem!;
        return await ChatApi.ReplyAsync(context, turn, reply => new SimpleChatEvents.SyncReply(reply.Answer, thinking ? reply.Thinking : null),
            logs.CreateLogger(typeof(SimpleChatApi)), "prompt");
    }

    private static async Task<(ChatTurns.Turn? Turn, bool Thinking, IResult? Problem)> PrepareAsync(HttpContext context, ChatTurns turns)
    {
        var read = await StrictJsonReader.ReadAsync<SimpleChatRequest>(context.Request, StrictJsonReader.Options, rejectUnknownFields: false);
        if (read.Errors is not null)
            return (null, false, ChatApi.Invalid(read.Errors));
        var request = read.Value!;
        var errors = new Dictionary<string, string[]>();
        ChatRequest.CheckPrompt(request.Prompt, "prompt", ", as in {\"prompt\": \"hello\"}", errors);
        if (errors.Count > 0)
            return (null, false, ChatApi.Invalid(errors));

        var chat = new ChatRequest { Message = request.Prompt, Settings = new GenerationSettings { Think = request.Thinking } };
        var turn = turns.Prepare(chat, ApiCaller.Of(context).Owner, "", errors, out _, oneOff: true);
        return turn is null ? (null, false, ChatApi.Invalid(errors)) : (turn, request.Thinking, null);
    }
}
