using Microsoft.Extensions.Options;

namespace ChatWeb.Inference.Remote;

/// <summary>Checks <c>ChatWeb:Backends</c> at start-up; each message names the setting and says how to fix it.</summary>
internal sealed class BackendsValidator : IValidateOptions<BackendsOptions>
{
    public ValidateOptionsResult Validate(string? name, BackendsOptions options)
    {
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Backends.Count; i++)
        {
            var b = options.Backends[i];
            var at = $"{BackendsOptions.Key}:{i}";
            if (string.IsNullOrWhiteSpace(b.Name))
                errors.Add($"{at}:Name is missing; give the model the name people will pick it by.");
            else if (!names.Add(b.Name))
                errors.Add($"{at}:Name '{b.Name}' is used twice in {BackendsOptions.Key}; give each model its own name.");
            var urls = b.AllUrls();
            if (urls.Count == 0)
                errors.Add($"{at}:BaseUrl is missing; set the server's OpenAI-compatible base URL, e.g. http://gpu1:8000/v1.");
            foreach (var url in urls)
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                    errors.Add($"{at}: '{url}' is not an http(s) URL; write the server's OpenAI-compatible base URL, e.g. http://gpu1:8000/v1.");
            }
            Range(errors, at, nameof(b.MaxConcurrentRequests), b.MaxConcurrentRequests, 1, 1000);
            Range(errors, at, nameof(b.QueueSize), b.QueueSize, 0, 100_000);
            Range(errors, at, nameof(b.MaxActivePerOwner), b.MaxActivePerOwner, 1, 1000);
            Range(errors, at, nameof(b.ContextTokens), b.ContextTokens, 16, 10_000_000);
            Range(errors, at, nameof(b.FirstTokenTimeoutSeconds), b.FirstTokenTimeoutSeconds, 1, 3600);
            Range(errors, at, nameof(b.RequestTimeoutSeconds), b.RequestTimeoutSeconds, 1, 86_400);
            Range(errors, at, nameof(b.FailuresToOpen), b.FailuresToOpen, 1, 1000);
            Range(errors, at, nameof(b.BreakSeconds), b.BreakSeconds, 1, 86_400);
            Range(errors, at, nameof(b.HealthCheckSeconds), b.HealthCheckSeconds, 0, 86_400);
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Range(List<string> errors, string at, string setting, int value, int min, int max)
    {
        if (value < min || value > max)
            errors.Add($"{at}:{setting} is {value}; it must be between {min} and {max}.");
    }
}
