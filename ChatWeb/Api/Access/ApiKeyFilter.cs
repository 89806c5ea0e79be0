namespace ChatWeb.Api.Access;

/// <summary>
/// Lets a request through to a programmatic endpoint only with a valid API key, or, when no keys are
/// configured at all, from this machine (loopback, whatever key it sends). Everything else gets 401 saying what to do.
/// </summary>
internal sealed class ApiKeyFilter(ApiKeyRing keys, ApiErrorShape shape) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var caller = ApiCaller.Of(http);
        if (caller.IsAdmitted(keys))
            return await next(context);

        var reason = caller.RefusalReason(keys);
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return ApiErrors.Result(shape, StatusCodes.Status401Unauthorized, "Unauthorized.", reason, "invalid_api_key");
    }
}
