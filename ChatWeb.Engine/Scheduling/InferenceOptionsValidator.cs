using ChatWeb.Engine.Model;
using Microsoft.Extensions.Options;

namespace ChatWeb.Engine.Scheduling;

/// <summary>Checks <see cref="InferenceOptions"/> at start-up; each failure names the setting and its allowed range.</summary>
internal sealed class InferenceOptionsValidator : IValidateOptions<InferenceOptions>
{
    public ValidateOptionsResult Validate(string? name, InferenceOptions options)
    {
        var failures = new List<string>();
        void Range(string setting, long value, long min, long max)
        {
            if (value < min || value > max)
                failures.Add($"{InferenceOptions.Section}:{setting} is {value}; it must be between {min} and {max}.");
        }

        Range(nameof(options.Threads), options.Threads, 0, 1024);
        Range(nameof(options.MaxConcurrentSequences), options.MaxConcurrentSequences, 1, 256);
        Range(nameof(options.QueueSize), options.QueueSize, 0, 100_000);
        Range(nameof(options.ContextLength), options.ContextLength, 16, 1 << 20);
        Range(nameof(options.KvCacheBudgetMb), options.KvCacheBudgetMb, 1, 1 << 20);
        Range(nameof(options.MaxPromptTokens), options.MaxPromptTokens, 0, 1 << 20);
        Range(nameof(options.RequestTimeoutSeconds), options.RequestTimeoutSeconds, 1, 7 * 24 * 3600);
        Range(nameof(options.PromptChunkTokens), options.PromptChunkTokens, 1, 4096);
        Range(nameof(options.MaxActivePerOwner), options.MaxActivePerOwner, 1, 256);
        if (!Enum.IsDefined(options.KvCacheType))
            failures.Add($"{InferenceOptions.Section}:{nameof(options.KvCacheType)} is {(int)options.KvCacheType}; it must be one of {string.Join(", ", Enum.GetNames<KvCacheType>())}.");
        if (options.MaxPromptTokens >= options.ContextLength && options.ContextLength >= 16)
            failures.Add($"{InferenceOptions.Section}:MaxPromptTokens is {options.MaxPromptTokens}; it must be less than " +
                $"{InferenceOptions.Section}:ContextLength ({options.ContextLength}) to leave room for the answer.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
