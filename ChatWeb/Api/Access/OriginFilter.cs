namespace ChatWeb.Api.Access;

/// <summary>
/// A WebSocket or a form post sent by a browser page carries the page's <c>Origin</c>, and neither needs the
/// page's site to ask first (no CORS preflight); only this site's own pages (same host and port) and the origins
/// listed in <c>ChatWeb:Api:CorsOrigins</c> may use them, so a page of another site open in a local browser cannot
/// use the API with the browser's loopback trust. Programs that send no Origin (wscat, curl, SDKs) are not affected.
/// </summary>
internal sealed class OriginFilter(IReadOnlyCollection<string> allowedOrigins) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0 || IsSameHost(origin, request.Host) || allowedOrigins.Contains(origin.TrimEnd('/'), StringComparer.OrdinalIgnoreCase))
            return await next(context);
        return ApiErrors.Result(ApiErrorShape.ProblemDetails, StatusCodes.Status403Forbidden, "Origin not allowed.",
            $"A page from {origin} may not use this endpoint. Pages of this site may, and origins listed in ChatWeb:Api:CorsOrigins.",
            "origin_not_allowed");
    }

    // The scheme is not compared: behind a TLS-terminating proxy an https page reaches ChatWeb over http.
    private static bool IsSameHost(string origin, HostString host) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, host.Value, StringComparison.OrdinalIgnoreCase);
}
