using System.Text.Json.Serialization;

namespace ChatWeb.Api.Access;

/// <summary>How an interface reports errors: ProblemDetails (/api, /ws) or OpenAI's error object (/v1).</summary>
internal enum ApiErrorShape
{
    ProblemDetails,
    OpenAi,
}

internal static class ApiErrors
{
    public static IResult Result(ApiErrorShape shape, int status, string title, string message, string code) =>
        shape == ApiErrorShape.OpenAi
            ? TypedResults.Json(OpenAiError(message, code, type: OpenAiTypeOf(status)), statusCode: status)
            : TypedResults.Problem(message, statusCode: status, title: title);

    /// <summary>OpenAI's error object; <c>param</c> and <c>code</c> are always written, null when they do not apply.</summary>
    public static OpenAiErrorBody OpenAiError(string message, string? code, string? param = null, string type = "invalid_request_error") =>
        new(new OpenAiErrorDetail(message, type, param, code));

    /// <summary>The <c>type</c> OpenAI gives a status: "requests" for a 429 (its request rate limit), "server_error" for 5xx.</summary>
    private static string OpenAiTypeOf(int status) => status switch
    {
        StatusCodes.Status429TooManyRequests => "requests",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };
}

/// <summary><c>{"error": {...}}</c> as OpenAI sends it.</summary>
internal sealed record OpenAiErrorBody([property: JsonPropertyName("error")] OpenAiErrorDetail Error);

/// <summary>The inner error object; all four fields are always present.</summary>
internal sealed record OpenAiErrorDetail(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
    [property: JsonPropertyName("code"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code);
