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
        if (caller.KeyName is not null || (!keys.HasKeys && caller.IsLoopback))
            return await next(context);

        string reason;
        if (!keys.HasKeys)
            reason = "The API is open only to this machine until API keys are configured under ChatWeb:Api:Keys (see README).";
        else
            reason = caller.PresentedKey
                ? "The API key is not valid."
                : "Send an API key: 'Authorization: Bearer <key>'.";
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return ApiErrors.Result(shape, StatusCodes.Status401Unauthorized, "Unauthorized.", reason, "invalid_api_key");
    }
}
