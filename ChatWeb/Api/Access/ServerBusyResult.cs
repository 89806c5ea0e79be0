using System.Globalization;
using ChatWeb.Inference;
using ChatWeb.Engine.Scheduling;

namespace ChatWeb.Api.Access;

/// <summary>The inference queue is full: HTTP 429 with Retry-After, in the interface's error shape.</summary>
internal static class ServerBusyResult
{
    /// <summary>
    /// A 429 when a request for <paramref name="model"/> (null: the local model) submitted now would be refused by
    /// that model's queue; null when it would queue. For streams, which must answer before they start.
    /// </summary>
    public static IResult? IfQueueFull(HttpContext context, ApiErrorShape shape, string? model = null) =>
        context.RequestServices.GetRequiredService<ModelCatalog>().IsQueueFull(model, out var retryAfter)
            ? For(context, new ServerBusyException(retryAfter), shape)
            : null;

    public static IResult For(HttpContext context, ServerBusyException busy, ApiErrorShape shape)
    {
        context.Response.Headers.RetryAfter = busy.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return ApiErrors.Result(shape, StatusCodes.Status429TooManyRequests, "Server busy.", busy.Message, "server_busy");
    }
}
