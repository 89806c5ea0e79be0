using ChatWeb.Engine.Hosting;
using ChatWeb.Engine.Scheduling;

namespace ChatWeb.Api.Access;

/// <summary>
/// The engine's refusals of a request as HTTP answers, the same on every interface: queue full → 429 with
/// Retry-After, model loading → 503 with Retry-After, prompt longer than the context → 400 naming the field
/// (<c>context_length_exceeded</c> on /v1). Anything else is not a refusal (null).
/// </summary>
internal static class ReplyRefusal
{
    /// <summary>The answer for <paramref name="exception"/> (or the exception it wraps), or null when it is no refusal.</summary>
    public static IResult? For(HttpContext context, Exception exception, ApiErrorShape shape, string field)
    {
        var refusal = exception is ServerBusyException or ModelLoadingException or PromptTooLongException ? exception : exception.InnerException;
        return refusal switch
        {
            ServerBusyException busy => ServerBusyResult.For(context, busy, shape),
            ModelLoadingException loading => ModelLoadingResult.For(context, loading, shape),
            PromptTooLongException tooLong when shape == ApiErrorShape.OpenAi =>
                TypedResults.Json(ApiErrors.OpenAiError(tooLong.Message, "context_length_exceeded", field), statusCode: StatusCodes.Status400BadRequest),
            PromptTooLongException tooLong => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [tooLong.Message] },
                title: "The message is too long for the model.", detail: $"{field}: {tooLong.Message}"),
            _ => null,
        };
    }
}
