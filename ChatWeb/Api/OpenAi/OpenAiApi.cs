using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ChatWeb.Api.Access;
using ChatWeb.Chat;
using ChatWeb.Engine.Chat;
using ChatWeb.Engine.Hosting;
using ChatWeb.Engine.Remote;
using ChatWeb.Inference;
using ChatWeb.Engine.Scheduling;
using ChatWeb.Library;
using Microsoft.Extensions.AI;
using static ChatWeb.Api.OpenAi.CompletionResponses;

namespace ChatWeb.Api.OpenAi;

/// <summary>
/// The OpenAI-compatible surface: <c>POST /v1/chat/completions</c> (streamed as chunks or whole) and
/// <c>GET /v1/models</c>, so any OpenAI client library can talk to ChatWeb. The model's thinking comes
/// back as <c>reasoning_content</c>, apart from <c>content</c>. Stateless: the client sends the history,
/// and only the <see cref="TurnBuilder"/>'s context rule applies (the oldest turns are left out when the
/// whole does not fit; a single message too long for the model is a 400, never a 500).
/// </summary>
internal static class OpenAiApi
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PropertyNameCaseInsensitive = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    public static RouteGroupBuilder MapOpenAiApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/chat/completions", Complete);
        v1.MapGet("/models", ListModels);
        return v1;
    }

    /// <summary>The id under which the running model is offered: the model's name, or "demo".</summary>
    public static string ModelId(InferenceStatus status) => ModelCatalog.LocalIdOf(status);

    /// <summary>The local model and the remote ones of <c>ChatWeb:Backends</c>.</summary>
    private static IResult ListModels(ModelCatalog models, TimeProvider time) =>
        TypedResults.Json(new ModelList([.. models.Ids.Select(id => new Model(id, time.GetUtcNow().ToUnixTimeSeconds(), "chatweb"))]), Json);

    private static async Task<IResult> Complete(HttpContext context, IChatClient client, ModelCatalog models, TurnBuilder turns,
        TimeProvider time, ILoggerFactory logs)
    {
        var read = await StrictJsonReader.ReadAsync<CompletionRequest>(context.Request, Json, rejectUnknownFields: false);
        if (read.Errors is not null)
        {
            var (field, reasons) = read.Errors.First();
            return Error(400, string.Join(" ", reasons), "invalid_request_error", field == "body" ? null : field);
        }
        var request = read.Value!;
        if (CompletionTranslator.Check(request) is { } problem)
            return Error(400, problem.Message, "invalid_request_error", problem.Param);
        if (ModelLoadingResult.IfLoading(context, ApiErrorShape.OpenAi) is { } loading)
            return loading; // before the model check: the model's name is known for sure only once it is loaded
        var modelId = request.Model!;
        if (!models.Knows(modelId))
            return Error(404, models.Unknown(modelId), "invalid_request_error", "model", "model_not_found");

        if (ServerBusyResult.IfQueueFull(context, ApiErrorShape.OpenAi) is { } busy)
            return busy;

        var id = "chatcmpl-" + Guid.NewGuid().ToString("n");
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var messages = turns.Fit(CompletionTranslator.Messages(request)).Messages;
        var options = CompletionTranslator.Options(request).WithOwner(ApiCaller.Of(context).Owner);
        var steps = ChatStepStream.StreamAsync(client, messages, options, time, context.RequestAborted);
        var logger = logs.CreateLogger(typeof(OpenAiApi));
        try
        {
            return request.Stream
                ? await StreamAsync(context, steps, id, created, modelId, request.StreamOptions?.IncludeUsage == true, logger)
                : await CompleteAsync(steps, id, created, modelId);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return TypedResults.Empty;
        }
        catch (ServerBusyException e) when (!context.Response.HasStarted)
        {
            return ServerBusyResult.For(context, e, ApiErrorShape.OpenAi);
        }
        catch (ModelLoadingException e) when (!context.Response.HasStarted)
        {
            return ModelLoadingResult.For(context, e, ApiErrorShape.OpenAi);
        }
        catch (RemoteModelUnavailableException e) when (!context.Response.HasStarted)
        {
            return Error(503, e.Message, "server_error", "model", "model_unavailable");
        }
        catch (PromptTooLongException e) when (!context.Response.HasStarted)
        {
            return Error(400, e.Message, "invalid_request_error", "messages", "context_length_exceeded");
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            ApiLog.ReplyFailed(logger, e, "/v1/chat/completions", id);
            return Error(500, $"The model failed: {e.Message}", "server_error", null);
        }
    }

    private static async Task<IResult> CompleteAsync(IAsyncEnumerable<ChatStep> steps, string id, long created, string model)
    {
        var reply = await ChatReply.CollectAsync(steps);
        var message = new Message("assistant", reply.Answer, reply.Thinking.Length > 0 ? reply.Thinking : null);
        var done = reply.Completed;
        return TypedResults.Json(new Completion(id, created, model, [new Choice(0, message, done.FinishReason)], Usage.From(done.Usage)), Json);
    }

    private static async Task<IResult> StreamAsync(HttpContext context, IAsyncEnumerable<ChatStep> steps, string id, long created,
        string model, bool includeUsage, ILogger logger)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        ServerSentEvents.Start(response);
        Task Send(Delta delta, string? finishReason = null) =>
            ServerSentEvents.WriteAsync(response, new Chunk(id, created, model, [new ChunkChoice(0, delta, finishReason)]), Json, aborted);

        await Send(new Delta(Role: "assistant", Content: ""));
        try
        {
            await foreach (var step in steps)
            {
                switch (step)
                {
                    case ThinkingToken t: await Send(new Delta(ReasoningContent: t.Text)); break;
                    case AnswerToken a: await Send(new Delta(Content: a.Text)); break;
                    case ChatCompleted done:
                        await Send(new Delta(), done.FinishReason);
                        if (includeUsage)
                            await ServerSentEvents.WriteAsync(response, new Chunk(id, created, model, [], Usage.From(done.Usage)), Json, aborted);
                        break;
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !aborted.IsCancellationRequested)
        {
            ApiLog.ReplyFailed(logger, e, "/v1/chat/completions", id);
            await ServerSentEvents.WriteAsync(response, ApiErrors.OpenAiError($"The model failed: {e.Message}", "server_error", type: "server_error"), Json, aborted);
        }
        await ServerSentEvents.WriteDoneAsync(response, aborted);
        return TypedResults.Empty;
    }

    private static IResult Error(int status, string message, string type, string? param, string? code = null) =>
        TypedResults.Json(ApiErrors.OpenAiError(message, code, param, type), Json, statusCode: status);
}
