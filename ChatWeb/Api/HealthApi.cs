using ChatWeb.Inference;

namespace ChatWeb.Api;

internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", GetHealth);
        return app;
    }

    /// <summary>200 with the backend's name and whether a model is loaded (and why not).</summary>
    private static IResult GetHealth(BackendStatus status) =>
        TypedResults.Ok(new
        {
            status = "ok",
            backend = status.Backend,
            modelLoaded = status.ModelLoaded,
            model = status.Model,
            reason = status.Reason,
        });
}
