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
/// The OpenAI-compatible surface: <c>POST /v1/chat/completions</c> (streamed as chunks or whole; logprobs,
/// response_format, tools), <c>POST /v1/completions</c> (text continued without a chat template), <c>GET /v1/models</c>
/// and <c>GET /v1/models/{id}</c>, so any OpenAI client library can talk to ChatWeb; any other /v1 route is a 404 in
/// OpenAI's error shape. The model's thinking comes
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
        v1.MapPost("/completions", CompleteText);
        v1.MapGet("/models", ListModels);
        v1.MapGet("/models/{**id}", GetModel);
        v1.MapFallback("{**path}", (HttpContext context) =>
            Error(404, $"Unknown request URL: {context.Request.Method} {context.Request.Path}. See GET /v1/models and POST /v1/chat/completions.",
                "invalid_request_error", null, "unknown_url"));
        return v1;
    }

    /// <summary>The id under which the running local model is offered: its name (or ChatWeb:Model:Alias), or "demo".</summary>
    public static string ModelId(InferenceStatus status) => ModelCatalog.LocalIdOf(status);

    /// <summary>When this server started offering models: the <c>created</c> of /v1/models, the same on every call.</summary>
    private static readonly long ServedSince = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Names the backend configuration that produced an answer, as OpenAI's <c>system_fingerprint</c> does.</summary>
    private static string Fingerprint(InferenceStatus status, string model) =>
        "fp_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(status.Backend + "/" + model)))[..10];

    /// <summary>The local model and the remote ones of <c>ChatWeb:Backends</c>.</summary>
    private static IResult ListModels(ModelCatalog models) =>
        TypedResults.Json(new ModelList([.. models.Ids.Select(id => new Model(id, ServedSince, "chatweb"))]), Json);

    private static IResult GetModel(string id, ModelCatalog models) =>
        models.Knows(id)
            ? TypedResults.Json(new Model(id, ServedSince, "chatweb"), Json)
            : Error(404, models.Unknown(id), "invalid_request_error", null, "model_not_found");

    /// <summary>Refuses a request the server cannot take now: the model still loading, an unknown model asked for, a full queue.</summary>
    private static IResult? Refusal(HttpContext context, string model, ModelCatalog models)
    {
        if (ModelLoadingResult.IfLoading(context, ApiErrorShape.OpenAi, model) is { } loading)
            return loading; // before the model check: the local model's name is known for sure only once it is loaded
        if (!models.Knows(model))
            return Error(404, models.Unknown(model), "invalid_request_error", "model", "model_not_found");
        return ServerBusyResult.IfQueueFull(context, ApiErrorShape.OpenAi, model);
    }

    private static async Task<IResult> Complete(HttpContext context, IChatClient client, ModelCatalog models, IInferenceStatus backend, TurnBuilder turns,
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
        if (Refusal(context, request.Model!, models) is { } refused)
            return refused;

        var id = "chatcmpl-" + Guid.NewGuid().ToString("n");
        var answer = new Answer(id, time.GetUtcNow().ToUnixTimeSeconds(), request.Model!, Fingerprint(backend.Current, request.Model!));
        var messages = turns.Fit(CompletionTranslator.Messages(request), request.Model).Messages;
        var options = CompletionTranslator.Options(request).WithOwner(ApiCaller.Of(context).Owner);
        var steps = ChatStepStream.StreamAsync(client, messages, options, time, context.RequestAborted);
        return await RunAsync(context, "/v1/chat/completions", id, logs, async () => request.Stream
            ? await StreamAsync(context, await StartedAsync(steps, context.RequestAborted), answer, request.StreamOptions?.IncludeUsage == true, options.GetLogprobs() is not null)
            : await CompleteAsync(steps, answer, options.GetLogprobs() is not null));
    }

    private static async Task<IResult> CompleteText(HttpContext context, IChatClient client, ModelCatalog models, IInferenceStatus backend,
        TimeProvider time, ILoggerFactory logs)
    {
        var read = await StrictJsonReader.ReadAsync<TextCompletionRequest>(context.Request, Json, rejectUnknownFields: false);
        if (read.Errors is not null)
        {
            var (field, reasons) = read.Errors.First();
            return Error(400, string.Join(" ", reasons), "invalid_request_error", field == "body" ? null : field);
        }
        var request = read.Value!;
        if (request.Check() is { } problem)
            return Error(400, problem.Message, "invalid_request_error", problem.Param);
        if (Refusal(context, request.Model!, models) is { } refused)
            return refused;

        var id = "cmpl-" + Guid.NewGuid().ToString("n");
        var answer = new Answer(id, time.GetUtcNow().ToUnixTimeSeconds(), request.Model!, Fingerprint(backend.Current, request.Model!));
        var options = new ChatOptions
        {
            ModelId = request.Model,
            Temperature = (float?)request.Temperature,
            TopP = (float?)request.TopP,
            MaxOutputTokens = request.MaxTokens ?? TextCompletionRequest.DefaultMaxTokens,
            Seed = request.Seed,
            StopSequences = CompletionTranslator.StopOf(request.Stop) is { Count: > 0 } stop ? stop : null,
            Reasoning = new ReasoningOptions { Effort = ReasoningEffort.None },
        }.AsTextCompletion().WithOwner(ApiCaller.Of(context).Owner);
        var steps = ChatStepStream.StreamAsync(client, [new ChatMessage(ChatRole.User, request.PromptText!)], options, time, context.RequestAborted);
        return await RunAsync(context, "/v1/completions", id, logs, async () => request.Stream
            ? await StreamTextAsync(context, await StartedAsync(steps, context.RequestAborted), answer, request.StreamOptions?.IncludeUsage == true)
            : await CompleteTextAsync(steps, answer));
    }

    /// <summary>What every object of one answer repeats.</summary>
    private sealed record Answer(string Id, long Created, string Model, string Fingerprint);

    /// <summary>Runs an answer, turning what went wrong before the first byte into a status code; after it, the stream says it.</summary>
    private static async Task<IResult> RunAsync(HttpContext context, string endpoint, string id, ILoggerFactory logs, Func<Task<IResult>> answer)
    {
        try
        {
            return await answer();
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
            return Error(400, e.Message, "invalid_request_error", endpoint == "/v1/completions" ? "prompt" : "messages", "context_length_exceeded");
        }
        catch (UnsupportedRequestException e) when (!context.Response.HasStarted)
        {
            return Error(400, e.Message, "invalid_request_error", null, "unsupported_parameter");
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            ApiLog.ReplyFailed(logs.CreateLogger(typeof(OpenAiApi)), e, endpoint, id);
            return Error(500, $"The model failed: {e.Message}", "server_error", null);
        }
    }

    /// <summary>
    /// Reads the first step before a stream starts, so that what the engine refuses when it is asked (a prompt too
    /// long, a full queue, an option the backend lacks) is still a status code, not an error event after a 200.
    /// </summary>
    private static async Task<IAsyncEnumerable<ChatStep>> StartedAsync(IAsyncEnumerable<ChatStep> steps, CancellationToken cancellationToken) =>
        (await StartedSteps.StartAsync(steps, cancellationToken)).ReadAllAsync();

    private static async Task<IResult> CompleteAsync(IAsyncEnumerable<ChatStep> steps, Answer answer, bool logprobs)
    {
        var reply = await ChatReply.CollectAsync(steps);
        var calls = reply.ToolCalls.Count > 0 ? reply.ToolCalls.Select(c => ToolCall.From(c)).ToList() : null;
        var message = new Message("assistant", calls is not null && reply.Answer.Length == 0 ? null : reply.Answer,
            reply.Thinking.Length > 0 ? reply.Thinking : null, calls);
        var done = reply.Completed;
        var choice = new Choice(0, message, done.FinishReason, logprobs ? Logprobs.From(reply.Logprobs) : null);
        return TypedResults.Json(new Completion(answer.Id, answer.Created, answer.Model, answer.Fingerprint, [choice], Usage.From(done.Usage)), Json);
    }

    private static async Task<IResult> StreamAsync(HttpContext context, IAsyncEnumerable<ChatStep> steps, Answer answer,
        bool includeUsage, bool logprobs)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        var pending = new List<TokenLogprob>(); // log-probabilities of tokens whose text has not been sent yet
        var calls = 0;
        ServerSentEvents.Start(response);
        Task Send(Delta delta, string? finishReason = null)
        {
            var tokens = logprobs ? Logprobs.From(pending) : null;
            pending = [];
            return ServerSentEvents.WriteAsync(response,
                new Chunk(answer.Id, answer.Created, answer.Model, answer.Fingerprint, [new ChunkChoice(0, delta, finishReason, tokens)]), Json, aborted);
        }

        await Send(new Delta(Role: "assistant", Content: ""));
        return await WriteStepsAsync(context, steps, "/v1/chat/completions", answer.Id, async step =>
        {
            switch (step)
            {
                case LogprobStep l: pending.Add(l.Logprob); break;
                case ThinkingToken t: await Send(new Delta(ReasoningContent: t.Text)); break;
                case AnswerToken a: await Send(new Delta(Content: a.Text)); break;
                case ToolCallStep c: await Send(new Delta(ToolCalls: [ToolCall.From(c.Call, calls++)])); break;
                case ChatCompleted done:
                    await Send(new Delta(), done.FinishReason);
                    if (includeUsage)
                        await ServerSentEvents.WriteAsync(response,
                            new Chunk(answer.Id, answer.Created, answer.Model, answer.Fingerprint, [], Usage.From(done.Usage)), Json, aborted);
                    break;
            }
        });
    }

    private static async Task<IResult> CompleteTextAsync(IAsyncEnumerable<ChatStep> steps, Answer answer)
    {
        var reply = await ChatReply.CollectAsync(steps);
        var done = reply.Completed;
        return TypedResults.Json(new TextCompletion(answer.Id, answer.Created, answer.Model, answer.Fingerprint,
            [new TextChoice(0, reply.Thinking + reply.Answer, done.FinishReason)], Usage.From(done.Usage)), Json);
    }

    private static async Task<IResult> StreamTextAsync(HttpContext context, IAsyncEnumerable<ChatStep> steps, Answer answer, bool includeUsage)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        ServerSentEvents.Start(response);
        Task Send(TextChoice[] choices, Usage? usage = null) => ServerSentEvents.WriteAsync(response,
            new TextCompletion(answer.Id, answer.Created, answer.Model, answer.Fingerprint, [.. choices], usage), Json, aborted);
        return await WriteStepsAsync(context, steps, "/v1/completions", answer.Id, async step =>
        {
            switch (step)
            {
                case ThinkingToken t: await Send([new TextChoice(0, t.Text)]); break;
                case AnswerToken a: await Send([new TextChoice(0, a.Text)]); break;
                case ChatCompleted done:
                    await Send([new TextChoice(0, "", done.FinishReason)]);
                    if (includeUsage)
                        await Send([], Usage.From(done.Usage));
                    break;
            }
        });
    }

    /// <summary>
    /// The rest of a started stream: each step through <paramref name="write"/>; a failure mid-stream becomes an OpenAI
    /// error event (a client that left is no failure); then <c>[DONE]</c>.
    /// </summary>
    private static async Task<IResult> WriteStepsAsync(HttpContext context, IAsyncEnumerable<ChatStep> steps, string endpoint, string id,
        Func<ChatStep, Task> write)
    {
        var aborted = context.RequestAborted;
        try
        {
            await foreach (var step in steps)
                await write(step);
        }
        catch (Exception e) when (e is not OperationCanceledException || !aborted.IsCancellationRequested)
        {
            ApiLog.ReplyFailed(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OpenAiApi)), e, endpoint, id);
            await ServerSentEvents.WriteAsync(context.Response,
                ApiErrors.OpenAiError($"The model failed: {e.Message}", "server_error", type: "server_error"), Json, aborted);
        }
        await ServerSentEvents.WriteDoneAsync(context.Response, aborted);
        return TypedResults.Empty;
    }

    private static IResult Error(int status, string message, string type, string? param, string? code = null) =>
        TypedResults.Json(ApiErrors.OpenAiError(message, code, param, type), Json, statusCode: status);
}
