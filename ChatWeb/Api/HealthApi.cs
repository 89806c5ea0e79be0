using ChatWeb.Engine.Hosting;

namespace ChatWeb.Api;

internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", GetHealth);
        return app;
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
