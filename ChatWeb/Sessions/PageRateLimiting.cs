using System.Globalization;
using System.Threading.RateLimiting;
using ChatWeb.ScaleOut;
using Microsoft.AspNetCore.RateLimiting;

namespace ChatWeb.Sessions;

/// <summary>
/// The "pages" rate-limit policy: page views and the circuits they open (Blazor's hub requests), a
/// fixed one-minute window per network address (shared by every instance through Redis when configured). Past it: 429 with Retry-After and a line of text.
/// </summary>
internal sealed class PageRateLimiting(int permitsPerMinute) : IRateLimiterPolicy<string>
{
    public const string Policy = "pages";

    public RateLimitPartition<string> GetPartition(HttpContext context) =>
        SharedRateLimits.FixedWindow(context, Policy, context.Connection.RemoteIpAddress?.ToString() ?? "unknown", permitsPerMinute);

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = async (rejected, cancellationToken) =>
    {
        var response = rejected.HttpContext.Response;
        var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        response.ContentType = "text/plain; charset=utf-8";
        await response.WriteAsync($"Too many page requests from this address; try again in {seconds} s.", cancellationToken);
    };
}
