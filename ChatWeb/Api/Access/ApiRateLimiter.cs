using System.Globalization;
using System.Threading.RateLimiting;
using ChatWeb.ScaleOut;
using Microsoft.Extensions.Options;

namespace ChatWeb.Api.Access;

/// <summary>
/// The API's one rate limiter: a fixed one-minute window per API key, and per IP address for requests
/// without a valid key. Every HTTP request to /api, /v1 and /ws counts (<see cref="ApiRateLimitFilter"/>),
/// and so does every message on an open WebSocket (<c>ChatSocketConnection</c>), against the same window.
/// With Redis configured the windows are counted there, for every instance (<see cref="SharedRateLimits"/>).
/// </summary>
internal sealed class ApiRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<ApiCaller> _limiter;

    public ApiRateLimiter(IOptions<ApiOptions> options, RedisRateLimitCounters? counters = null)
    {
        var limits = options.Value;
        _limiter = PartitionedRateLimiter.Create<ApiCaller, string>(caller => SharedRateLimits.FixedWindow(counters, $"api:{caller.Partition}",
            caller.KeyName is not null ? limits.RequestsPerMinutePerKey : limits.RequestsPerMinutePerIp));
    }

    /// <summary>Counts one request of <paramref name="caller"/>: null when it may go on, else the seconds to wait.</summary>
    public async ValueTask<int?> AcquireAsync(ApiCaller caller, CancellationToken cancellationToken)
    {
        using var lease = await _limiter.AcquireAsync(caller, cancellationToken: cancellationToken);
        if (lease.IsAcquired)
            return null;
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
        return Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
    }

    /// <summary>The message a refused request gets.</summary>
    public static string Refusal(int retryAfterSeconds) => $"Too many requests; try again in {retryAfterSeconds} s.";

    /// <summary>429 with Retry-After, in the interface's error shape.</summary>
    public static IResult TooManyRequests(HttpContext context, int retryAfterSeconds, ApiErrorShape shape)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return ApiErrors.Result(shape, StatusCodes.Status429TooManyRequests, "Too many requests.", Refusal(retryAfterSeconds), "rate_limit_exceeded");
    }

    public void Dispose() => _limiter.Dispose();
}

/// <summary>Counts each request to an API group with the <see cref="ApiRateLimiter"/>, before the key check (refused requests count too).</summary>
internal sealed class ApiRateLimitFilter(ApiRateLimiter limiter, ApiErrorShape shape) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        await limiter.AcquireAsync(ApiCaller.Of(context.HttpContext), context.HttpContext.RequestAborted) is { } seconds
            ? ApiRateLimiter.TooManyRequests(context.HttpContext, seconds, shape)
            : await next(context);
}
