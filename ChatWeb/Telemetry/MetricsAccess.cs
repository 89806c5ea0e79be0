using ChatWeb.Admin;
using ChatWeb.Api.Access;

namespace ChatWeb.Telemetry;

/// <summary>
/// Who may read <c>/metrics</c>: whoever the API admits (a valid API key, or this machine while no keys are
/// configured: <see cref="ApiCaller.IsAdmitted"/>) and signed-in admins. Others get 401 saying how to get in;
/// a signed-in account that is not an admin gets 403.
/// </summary>
internal static class MetricsAccess
{
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var keys = context.RequestServices.GetRequiredService<ApiKeyRing>();
        var caller = ApiCaller.Of(context);
        if (caller.IsAdmitted(keys) || context.User.IsInRole(AdminServiceCollectionExtensions.Role))
        {
            await next(context);
            return;
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        if (context.User.Identity?.IsAuthenticated == true)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync("403 Forbidden: this account may not read /metrics. Sign in as an admin, or send an API key.");
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        await context.Response.WriteAsync($"401 Unauthorized: /metrics needs an API key or a signed-in admin. {caller.RefusalReason(keys)}");
    }
}
