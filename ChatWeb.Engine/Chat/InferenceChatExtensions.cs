using ChatWeb.Engine.Scheduling;
using Microsoft.Extensions.AI;

namespace ChatWeb.Engine.Chat;

/// <summary>
/// Typed access to what ChatWeb's inference service adds to Microsoft.Extensions.AI's types: the owner of a
/// request (in <see cref="ChatOptions"/>) and a waiting request's progress (in a <see cref="ChatResponseUpdate"/>).
/// The keys they travel under are private to this class.
/// </summary>
public static class InferenceChatExtensions
{
    private const string OwnerKey = "chatweb.owner";
    private const string ProgressKey = "chatweb.progress";
    private const string LogprobsKey = "chatweb.logprobs";
    private const string TextCompletionKey = "chatweb.text-completion";

    /// <summary>
    /// Says whose request this is (a browser session, an API key's name, a client address): an owner runs
    /// <see cref="InferenceOptions.MaxActivePerOwner"/> generations at a time, and only it may cancel them.
    /// </summary>
    public static ChatOptions WithOwner(this ChatOptions options, string owner)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        (options.AdditionalProperties ??= [])[OwnerKey] = owner;
        return options;
    }

    /// <summary>The owner set by <see cref="WithOwner"/>; null when none was.</summary>
    public static string? GetOwner(this ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(OwnerKey, out var value) == true && value is string { Length: > 0 } owner ? owner : null;

    /// <summary>Progress of a request that waits in the queue or reads its prompt; null on updates that carry the answer.</summary>
    public static GenerationProgress? GetProgress(this ChatResponseUpdate update) =>
        update.AdditionalProperties?.TryGetValue(ProgressKey, out var value) == true ? value as GenerationProgress : null;

    /// <summary>Attaches <paramref name="progress"/> to an update (what <see cref="GetProgress"/> reads).</summary>
    public static ChatResponseUpdate WithProgress(this ChatResponseUpdate update, GenerationProgress progress)
    {
        ArgumentNullException.ThrowIfNull(update);
        (update.AdditionalProperties ??= [])[ProgressKey] = progress;
        return update;
    }

    /// <summary>
    /// Asks for each answer token's log-probability and the <paramref name="top"/> most likely alternatives
    /// (0 to 20), read from the updates with <see cref="GetLogprob"/>. A backend that cannot report them refuses the request.
    /// </summary>
    public static ChatOptions WithLogprobs(this ChatOptions options, int top)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(top, Sampling.StepLogprobs.MaxTop);
        (options.AdditionalProperties ??= [])[LogprobsKey] = top;
        return options;
    }

    /// <summary>How many alternatives <see cref="WithLogprobs"/> asked for; null when log-probabilities were not asked for.</summary>
    public static int? GetLogprobs(this ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(LogprobsKey, out var value) == true && value is int top ? top : null;

    /// <summary>A generated token's log-probability; an update carrying one comes before the text updates of that token.</summary>
    public static TokenLogprob? GetLogprob(this ChatResponseUpdate update) =>
        update.AdditionalProperties?.TryGetValue(LogprobsKey, out var value) == true ? value as TokenLogprob : null;

    /// <summary>Attaches a token's log-probability to an update (what <see cref="GetLogprob"/> reads).</summary>
    public static ChatResponseUpdate WithLogprob(this ChatResponseUpdate update, TokenLogprob logprob)
    {
        ArgumentNullException.ThrowIfNull(update);
        (update.AdditionalProperties ??= [])[LogprobsKey] = logprob;
        return update;
    }

    /// <summary>
    /// Asks the model to continue the messages' text as it is (a text completion, <c>/v1/completions</c>) instead of
    /// answering it as a chat: no chat template is applied. A backend without a raw mode answers it as a chat.
    /// </summary>
    public static ChatOptions AsTextCompletion(this ChatOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        (options.AdditionalProperties ??= [])[TextCompletionKey] = true;
        return options;
    }

    /// <summary>True when <see cref="AsTextCompletion"/> was set.</summary>
    public static bool IsTextCompletion(this ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(TextCompletionKey, out var value) == true && value is true;
}
