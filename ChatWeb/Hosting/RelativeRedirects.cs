namespace ChatWeb.Hosting;

/// <summary>
/// Every redirect to this site is sent as a path (<c>Location: /admin/login?…</c>), never as an address
/// built from the request's Host header, which the client chooses: a request with
/// <c>Host: evil.example</c> must not be sent to evil.example. (Sign-in's challenge and Blazor's
/// NavigateTo both write absolute addresses; this rewrites them as they leave.)
/// </summary>
internal static class RelativeRedirects
{
    public static WebApplication UseRelativeRedirects(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var location = context.Response.Headers.Location.ToString();
                if (location.Length > 0 && Uri.TryCreate(location, UriKind.Absolute, out var uri)
                    && uri.Scheme is "http" or "https"
                    && string.Equals(uri.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase))
                    context.Response.Headers.Location = uri.PathAndQuery + uri.Fragment;
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }
}
