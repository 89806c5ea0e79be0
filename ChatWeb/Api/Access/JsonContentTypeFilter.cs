namespace ChatWeb.Api.Access;

/// <summary>
/// A request with a body must say it is JSON (<c>Content-Type: application/json</c>, or a <c>+json</c> type);
/// anything else gets 415 before the body is read. A browser page of another site can send a text/plain
/// POST without asking (no CORS preflight); it cannot send application/json that way.
/// </summary>
internal sealed class JsonContentTypeFilter(ApiErrorShape shape) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (!(HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method)) || IsJson(request))
            return await next(context);
        var sent = string.IsNullOrEmpty(request.ContentType) ? "no Content-Type" : $"Content-Type '{request.ContentType}'";
        return ApiErrors.Result(shape, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type.",
            $"The body must be JSON sent with 'Content-Type: application/json' (the request had {sent}).", "unsupported_media_type");
    }

    private static bool IsJson(HttpRequest request) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
        && type.MediaType.Value is { } media
        && (media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
}
