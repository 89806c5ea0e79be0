using System.Threading.Channels;
using ChatWeb.Api.Access;
using ChatWeb.Api.Chat;
using ChatWeb.Api.Conversations;

namespace ChatWeb.Api.Chains;

/// <summary>
/// <c>POST /api/chains</c> streams a prompt chain's tokens and per-prompt results as server-sent events,
/// ending with all answers and <c>[DONE]</c>; <c>POST /api/chains/sync</c> answers with the answers only.
/// A refusal (queue full: 429, a prompt too long: 400, model loading: 503) is a status code, on the stream
/// too when it comes before the first stage is queued; later it is an error event.
/// </summary>
internal static class ChainsApi
{
    public static RouteGroupBuilder MapChainsApi(this RouteGroupBuilder api)
    {
        api.MapPost("/chains", StreamChain).RefuseWhileLoading(ApiErrorShape.ProblemDetails);
        api.MapPost("/chains/sync", RunChain).RefuseWhileLoading(ApiErrorShape.ProblemDetails);
        return api;
    }

    private static async Task<IResult> RunChain(HttpContext context, ChainRunner runner, ISystemPresets presets, ILoggerFactory logs)
    {
        var (request, problem) = await ReadAsync(context, presets);
        if (request is null)
            return problem!;
        try
        {
            return TypedResults.Ok(await runner.RunAsync(request, ApiCaller.Of(context).Owner, null, context.RequestAborted));
        }
        catch (Exception e)
        {
            return Failed(context, e, logs, "/api/chains/sync")!;
        }
    }

    /// <summary>
    /// A chain that ended before it answered: the client left, a refusal (429/503/400), or the model failed (500;
    /// null with <paramref name="refusalsOnly"/>: a stream reports that as an error event).
    /// </summary>
    private static IResult? Failed(HttpContext context, Exception e, ILoggerFactory logs, string path, bool refusalsOnly = false)
    {
        if (e is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
            return TypedResults.Empty;
        if (e is ChainPromptTooLongException tooLong)
            return ChatApi.Invalid(new() { [tooLong.Field] = [tooLong.Message] });
        if (ReplyRefusal.For(context, e, ApiErrorShape.ProblemDetails, "stages") is { } refusal)
            return refusal;
        if (refusalsOnly)
            return null;
        ApiLog.ReplyFailed(logs.CreateLogger(typeof(ChainsApi)), e, path, "chain");
        return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status500InternalServerError, title: "The chain failed.");
    }

    private static async Task<IResult> StreamChain(HttpContext context, ChainRunner runner, ISystemPresets presets, ILoggerFactory logs)
    {
        var (request, problem) = await ReadAsync(context, presets);
        if (request is null)
            return problem!;

        var response = context.Response;
        var aborted = context.RequestAborted;
        var progress = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        var queued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = RunAndCompleteAsync(runner, request, ApiCaller.Of(context).Owner, progress.Writer, queued, aborted);

        // Nothing is sent until the first stage is in the queue: a refusal before that is a status code.
        await Task.WhenAny(queued.Task, run);
        if (!queued.Task.IsCompleted && run is { Exception: { } failed }
            && Failed(context, failed.InnerException ?? failed, logs, "/api/chains", refusalsOnly: true) is { } refused)
            return refused;
        if (!queued.Task.IsCompleted && run.IsCanceled)
            return TypedResults.Empty;

        ServerSentEvents.Start(response);
        try
        {
            await response.StartAsync(aborted);
            await foreach (var item in progress.Reader.ReadAllAsync(aborted))
                await ServerSentEvents.WriteAsync(response, item, StrictJsonReader.Options, aborted);
            await ServerSentEvents.WriteAsync(response, await run, StrictJsonReader.Options, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left; the runner sees the same token and stops.
            await run.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            return TypedResults.Empty;
        }
        catch (Exception e)
        {
            ApiLog.ReplyFailed(logs.CreateLogger(typeof(ChainsApi)), e, "/api/chains", "chain");
            await ServerSentEvents.WriteAsync(response, new ChainEvents.ErrorEvent(e.Message), StrictJsonReader.Options, aborted);
        }
        await ServerSentEvents.WriteDoneAsync(response, aborted);
        return TypedResults.Empty;
    }

    private static async Task<ChainEvents.ChainDone> RunAndCompleteAsync(ChainRunner runner, ChainRequest request, string owner,
        ChannelWriter<object> progress, TaskCompletionSource queued, CancellationToken cancellationToken)
    {
        try
        {
            return await runner.RunAsync(request, owner, progress, cancellationToken, queued);
        }
        finally
        {
            progress.Complete();
        }
    }

    private static async Task<(ChainRequest? Request, IResult? Problem)> ReadAsync(HttpContext context, ISystemPresets presets)
    {
        var read = await StrictJsonReader.ReadAsync<ChainRequest>(context.Request, StrictJsonReader.Options, rejectUnknownFields: true);
        if (read.Errors is not null)
            return (null, ChatApi.Invalid(read.Errors));
        var errors = new Dictionary<string, string[]>();
        read.Value!.Validate(presets, errors);
        return errors.Count > 0 ? (null, ChatApi.Invalid(errors)) : (read.Value, null);
    }
}
