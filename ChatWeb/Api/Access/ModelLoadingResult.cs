using System.Globalization;
using ChatWeb.Engine.Hosting;
using ChatWeb.Inference;

namespace ChatWeb.Api.Access;

/// <summary>The model is still loading: HTTP 503 with Retry-After, in the interface's error shape.</summary>
internal static class ModelLoadingResult
{
    /// <summary>
    /// A 503 while the local model loads and the request is for it (any <paramref name="model"/> but a remote model's
    /// name); null once it is ready, in demo mode, or for a remote model. Checked before a request starts.
    /// </summary>
    public static IResult? IfLoading(HttpContext context, ApiErrorShape shape, string? model = null) =>
        context.RequestServices.GetRequiredService<ModelCatalog>().LoadingOf(model) is { } progress
            ? For(context, new ModelLoadingException(progress), shape)
            : null;

    /// <summary>Answers an endpoint's requests with the 503 of <see cref="IfLoading"/> while the model loads, before the handler runs.</summary>
    public static TBuilder RefuseWhileLoading<TBuilder>(this TBuilder endpoint, ApiErrorShape shape) where TBuilder : IEndpointConventionBuilder =>
        endpoint.AddEndpointFilter(async (context, next) => IfLoading(context.HttpContext, shape) ?? await next(context));

    public static IResult For(HttpContext context, ModelLoadingException loading, ApiErrorShape shape)
    {
        context.Response.Headers.RetryAfter = loading.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return ApiErrors.Result(shape, StatusCodes.Status503ServiceUnavailable, "The model is loading.", loading.Message, "model_loading");
    }
}
