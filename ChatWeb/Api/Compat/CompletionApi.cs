using ChatWeb.Api.Access;
using ChatWeb.Api.Chat;
using ChatWeb.Library;

namespace ChatWeb.Api.Compat;

/// <summary>
/// The protocol of the small LLM web page ChatWeb replaces: <c>POST /completion</c> takes form data with a
/// <c>prompt</c> field and streams the answer as server-sent events of plain text chunks (<c>data: Hello</c>),
/// closing the stream at the end; a failure is an <c>error</c> event. <c>GET /stream-example</c> streams a fixed
/// sentence, word by word, to try a client without the model.
/// </summary>
internal static class CompletionApi
{
    /// <summary>What <c>/stream-example</c> streams, one piece every <see cref="ExamplePace"/>.</summary>
    public static readonly string[] ExampleTokens = ["This ", "is ", "a ", "streamed ", "example ", "from ", "ChatWeb."];

    public static readonly TimeSpan ExamplePace = TimeSpan.FromMilliseconds(100);

    public static RouteGroupBuilder MapCompletionApi(this RouteGroupBuilder group)
    {
        group.MapPost("/completion", Complete).RefuseWhileLoading(ApiErrorShape.ProblemDetails);
        group.MapGet("/stream-example", StreamExample);
        return group;
    }

    private static async Task<IResult> Complete(HttpContext context, ChatTurns turns, ILoggerFactory logs)
    {
        if (!context.Request.HasFormContentType)
            return ApiErrors.Result(ApiErrorShape.ProblemDetails, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type.",
                "Send the prompt as form data: a 'prompt' field, with Content-Type application/x-www-form-urlencoded or multipart/form-data.",
                "unsupported_media_type");
        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException)
        {
            return ChatApi.Invalid(new() { ["prompt"] = [$"The form data could not be read: {e.Message}"] });
        }
        var prompt = form["prompt"].ToString();
        var errors = new Dictionary<string, string[]>();
        ChatRequest.CheckPrompt(prompt, "prompt", " in the form field 'prompt'", errors);
        if (errors.Count > 0)
            return ChatApi.Invalid(errors);
        if (ServerBusyResult.IfQueueFull(context, ApiErrorShape.ProblemDetails) is { } busy)
            return busy;
        var turn = turns.Prepare(new ChatRequest { Message = prompt }, ApiCaller.Of(context).Owner, "", errors, out _, oneOff: true);
        if (turn is null)
            return ChatApi.Invalid(errors);

        return await ChatEventStream.WriteAsync(context, turn, step => step is AnswerToken a ? new ChatEventStream.TextEvent(a.Text) : null,
            error => new ChatEventStream.TextEvent(error, "error"), logs.CreateLogger(typeof(CompletionApi)), "prompt", endWithDone: false);
    }

    private static async Task StreamExample(HttpContext context, TimeProvider time)
    {
        ServerSentEvents.Start(context.Response);
        foreach (var token in ExampleTokens)
        {
            await ServerSentEvents.WriteTextAsync(context.Response, token, null, context.RequestAborted);
            await Task.Delay(ExamplePace, time, context.RequestAborted);
        }
    }
}
