using System.Threading.RateLimiting;
using ChatWeb.ScaleOut;
using Microsoft.AspNetCore.RateLimiting;

namespace ChatWeb.Api.Access;

/// <summary>
/// The "api" rate-limit policy: a fixed one-minute window per API key, and per IP address for
/// requests without a valid key (counted in Redis, for every instance, when configured). Refused requests get 429 with Retry-After (seconds).
/// </summary>
internal static class ApiRateLimiting
{
    public const string Policy = "api";

    public static void Configure(RateLimiterOptions limiter, ApiOptions options)
    {
        limiter.AddPolicy(Policy, context =>
        {
            var caller = ApiCaller.Of(context);
            var permits = caller.KeyName is not null ? options.RequestsPerMinutePerKey : options.RequestsPerMinutePerIp;
            return SharedRateLimits.FixedWindow(context, Policy, caller.Partition, permits);
        });
        limiter.OnRejected = async (rejected, cancellationToken) =>
        {
            var response = rejected.HttpContext.Response;
            var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            response.StatusCode = StatusCodes.Status429TooManyRequests;
            response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var message = $"Too many requests; try again in {seconds} s.";
            var shape = rejected.HttpContext.Request.Path.StartsWithSegments("/v1") ? ApiErrorShape.OpenAi : ApiErrorShape.ProblemDetails;
            await ApiErrors.Result(shape, StatusCodes.Status429TooManyRequests, "Too many requests.", message, "rate_limit_exceeded")
                .ExecuteAsync(rejected.HttpContext);
        };
    }
}
