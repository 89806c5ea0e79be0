using System.Globalization;
using ChatWeb.Engine.Hosting;
using ChatWeb.Engine.Scheduling;

namespace ChatWeb.Api.Access;

/// <summary>The inference queue is full: HTTP 429 with Retry-After, in the interface's error shape.</summary>
internal static class ServerBusyResult
{
    /// <summary>A 429 when a request submitted now would be refused; null when it would queue. For streams, which must answer before they start.</summary>
    public static IResult? IfQueueFull(HttpContext context, ApiErrorShape shape) =>
        context.RequestServices.GetRequiredService<IInferenceStatus>().IsQueueFull(out var retryAfter)
            ? For(context, new ServerBusyException(retryAfter), shape)
            : null;

    public static IResult For(HttpContext context, ServerBusyException busy, ApiErrorShape shape)
    {
        context.Response.Headers.RetryAfter = busy.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return ApiErrors.Result(shape, StatusCodes.Status429TooManyRequests, "Server busy.", busy.Message, "server_busy");
    }
}
