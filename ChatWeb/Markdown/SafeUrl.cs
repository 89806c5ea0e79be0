namespace ChatWeb.Markdown;

/// <summary>The only link targets a model's answer may carry: absolute http, https and mailto addresses.</summary>
internal static class SafeUrl
{
    public static bool IsAllowed(string? url) =>
        Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeMailto);
}
