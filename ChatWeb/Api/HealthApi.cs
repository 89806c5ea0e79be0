using ChatWeb.Engine.Hosting;

namespace ChatWeb.Api;

internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", GetHealth);
        app.MapGet("/health/live", () => TypedResults.Ok(new { status = "live" }));
        app.MapGet("/health/ready", GetReady);
        return app;
    }

    /// <summary>
    /// 200 once chats are answered (the model, or the demo assistant when there is none); 503 with
    /// Retry-After while the model loads, so a load balancer sends no one here yet.
    /// </summary>
    private static IResult GetReady(HttpContext context, IInferenceStatus backend)
    {
        var status = backend.Current;
        if (status.Loading is not { } loading)
            return TypedResults.Ok(new { status = "ready", state = status.State });
        context.Response.Headers.RetryAfter = "5";
        return TypedResults.Json(new { status = "loading", state = status.State, percent = loading.Percent },
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>
    /// 200 with the backend's state: "loading" (with the stage and how much of the weights is read),
    /// "ready", or "demo" (with the reason); its name, and the model's.
    /// </summary>
    private static IResult GetHealth(IInferenceStatus backend)
    {
        var status = backend.Current;
        return TypedResults.Ok(new
        {
            status = "ok",
            state = status.State,
            backend = status.Backend,
            modelLoaded = status.ModelLoaded,
            model = status.Model,
            reason = status.Reason,
            loading = status.Loading is { } p
                ? new { stage = p.Stage, percent = p.Percent, bytesRead = p.BytesRead, bytesTotal = p.BytesTotal }
                : null,
        });
    }
}
