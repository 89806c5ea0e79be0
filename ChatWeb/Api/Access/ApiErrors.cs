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
            ? TypedResults.Json(OpenAiError(message, code), statusCode: status)
            : TypedResults.Problem(message, statusCode: status, title: title);

    public static object OpenAiError(string message, string? code, string? param = null, string type = "invalid_request_error") =>
        new { error = new { message, type, param, code } };
}
